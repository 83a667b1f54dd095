"""`alliance-kb export --out DIR`: every open-data distribution, byte-identical for the same input.

The export refuses data that does not conform to the shapes (exit 1, nothing
written). It writes into a fresh temporary directory next to `--out`, then
swaps it in with two renames, so an earlier export stays intact until the new
one is complete. Version and dates come from the data's release record; file
times are set to the release date, never to the clock.

Files (see `kb.publish.distribution.FILES`): alliance.{ttl,nt.gz,jsonld,rdf,trig},
ontology.ttl, shapes.ttl, context.jsonld, csv/{kind}.csv,
csv/csv-metadata.json, void.ttl, feed.atom, catalog.ttl and SHA256SUMS.

Everything is read from the store (`kb.store.embedded`): the dumps from its
N-Quads, the tables and statistics by SPARQL. The server calls `served_export`:
an export of the store as it is into `settings.dumps_dir`, made in a forked
process (a consistent snapshot while curators commit; its memory is returned
when it ends), cached by the store's content hash and generation.
"""

from __future__ import annotations

import calendar
import functools
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kb.config import Settings
from kb.publish import csv_tables
from kb.publish import dump_writers as serialize
from kb.publish.catalog import CATALOG_PREFIXES, catalog_triples
from kb.publish.coverage import coverage, measurement_triples
from kb.publish.distribution import (
    FileInfo,
    NoReleaseError,
    Release,
    current_release,
    dump_url,
    file_info,
    releases,
)
from kb.publish.feed import atom_feed
from kb.publish.void import VOID_PREFIXES, compute_statistics, void_dataset_iri, void_triples
from kb.sources.rdf_files import DatasetFiles, data_files, parse_file
from kb.store.child_processes import call_in_child
from kb.store.embedded import EmbeddedStore, KnowledgeStore

log = logging.getLogger("kb.publish.export")

Progress = Callable[[str], None]

#: Files written before the catalog, in the order the catalog lists them.
RDF_FILES = ["alliance.ttl", "alliance.nt.gz", "alliance.jsonld", "alliance.rdf", "alliance.trig"]


class ExportRefusedError(Exception):
    """The data cannot be exported (it does not conform, or has no release record)."""


@dataclass
class ExportResult:
    directory: Path
    release: Release
    files: list[FileInfo] = field(default_factory=list)  # every file but SHA256SUMS
    timings: dict[str, float] = field(default_factory=dict)

    def info(self, name: str) -> FileInfo | None:
        return next((f for f in self.files if f.name == name), None)


def _default_graph_used(store: ox.Store) -> bool:
    """Whether the store's default graph holds triples (the loader never puts any there)."""
    return bool(store.query("ASK { ?s ?p ?o }", default_graph=ox.DefaultGraph()))


def shapes_quads(settings: Settings) -> list[ox.Quad]:
    """Every file of `shapes/`, rebased to the configured base IRI, in the default graph."""
    quads: list[ox.Quad] = []
    if settings.shapes_dir.is_dir():
        for path in data_files(settings.shapes_dir):
            quads += [
                ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                for q in parse_file(path, settings.graph_iri("shapes"), settings.base_iri)
            ]
    return quads


def _release_mtime(release: Release) -> int:
    return calendar.timegm(time.strptime(release.issued, "%Y-%m-%d"))


def write_export(
    settings: Settings,
    store: EmbeddedStore,
    target: Path,
    progress: Progress | None = None,
) -> ExportResult:
    """Write every distribution into `target` (an empty directory); no validation here.

    The store must not change meanwhile (the server exports from a forked snapshot)."""
    say = progress or (lambda _message: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with store.reading() as oxigraph:
        blob = oxigraph.dump(format=ox.RdfFormat.N_QUADS) or b""
        default_graph = _default_graph_used(oxigraph)
        graphs = sorted(g.value for g in oxigraph.named_graphs() if isinstance(g, ox.NamedNode))
    quad_count = blob.count(b"\n")
    timings["store"] = time.perf_counter() - started

    def step(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = now - since
        say(f"{name} ({now - since:.2f} s)")
        return now

    now = time.perf_counter()
    try:
        release = current_release(store, settings)
    except NoReleaseError as exc:
        raise ExportRefusedError(str(exc)) from exc
    all_releases = releases(store, settings)
    records = csv_tables.records_by_kind(store, settings.base_iri)
    prefixes = serialize.turtle_prefixes(settings.base_iri, records)
    context = serialize.jsonld_context(settings.base_iri)
    dump = serialize.SortedDump.from_nquads(blob, default_graph, graphs=graphs)
    del blob
    now = step("sorted the quads", now)

    target.mkdir(parents=True, exist_ok=True)
    (target / "csv").mkdir(exist_ok=True)
    shared = quad_count != len(dump.union)  # some triple is in two graphs
    # gzip releases the GIL: compress N-Triples while the other writers run
    with (
        ThreadPoolExecutor(max_workers=1) as pool,
        open(target / "alliance.nt.gz", "wb") as nt_out,
    ):
        gz = pool.submit(serialize.write_ntriples_gz, dump, nt_out)
        _ = dump.triples
        now = step("parsed the sorted triples", now)
        with open(target / "alliance.ttl", "wb") as out:
            serialize.write_turtle(dump, out, prefixes)
        now = step("alliance.ttl", now)
        with open(target / "alliance.trig", "wb") as out:
            serialize.write_trig(dump, out, prefixes)
        now = step("alliance.trig", now)
        with open(target / "alliance.rdf", "wb") as out:
            serialize.write_rdfxml(dump, out, prefixes)
        now = step("alliance.rdf", now)
        with open(target / "alliance.jsonld", "wb") as out:
            serialize.write_jsonld(dump, out, context)
        now = step("alliance.jsonld", now)
        gz.result()
        now = step("alliance.nt.gz", now)
    ontology = settings.graph_iri("ontology")
    (target / "ontology.ttl").write_bytes(
        serialize.lines_to_turtle(dump.graph_lines(ontology), prefixes)
    )
    (target / "shapes.ttl").write_bytes(
        serialize.quads_to_turtle(
            shapes_quads(settings),
            {
                **prefixes,
                "sh": "http://www.w3.org/ns/shacl#",
                "shapes": f"{settings.base_iri}shapes#",
            },
        )
    )
    (target / "context.jsonld").write_bytes(
        (json.dumps(context, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
    )
    now = step("ontology.ttl, shapes.ttl, context.jsonld", now)

    tables = csv_tables.build_tables(store, settings.base_iri, records=records)
    for table in tables:
        (target / "csv" / table.file_name).write_bytes(table.to_csv())
    statements = csv_tables.build_statements(settings.base_iri, tables)
    (target / "csv" / statements.file_name).write_bytes(statements.to_csv())
    metadata = csv_tables.csvw_metadata(
        tables, settings.base_iri, dump_url(settings, "csv/"), statements
    )
    (target / "csv" / "csv-metadata.json").write_bytes(csv_tables.metadata_bytes(metadata))
    now = step(f"csv/ ({len(tables)} tables)", now)

    names = [
        *RDF_FILES,
        "ontology.ttl",
        "shapes.ttl",
        "context.jsonld",
        *(f"csv/{t.file_name}" for t in tables),
        f"csv/{statements.file_name}",
        "csv/csv-metadata.json",
    ]
    files = [file_info(target, name) for name in names]
    stats = compute_statistics(store, settings, shared_triples=shared)
    coverage_measurements = measurement_triples(
        coverage(store, settings.base_iri),
        void_dataset_iri(settings),
        f"{settings.base_iri}void#",
        release.issued,
    )
    now = step("statistics", now)
    (target / "void.ttl").write_bytes(
        serialize.triples_to_turtle(
            void_triples(settings, stats, release, files, coverage_measurements),
            VOID_PREFIXES,
        )
    )
    files.append(file_info(target, "void.ttl"))
    congress = settings.record_iri("organisation", "congress")
    publisher = store.select(
        f"SELECT ?l WHERE {{ <{congress}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l "
        "FILTER(LANGMATCHES(LANG(?l), 'en')) }"
    )
    publisher_name = (
        str(publisher[0]["l"].value)
        if publisher and publisher[0]["l"] is not None
        else "Congress of Local and Regional Authorities of the Council of Europe"
    )
    (target / "feed.atom").write_bytes(atom_feed(settings, all_releases, files, publisher_name))
    files.append(file_info(target, "feed.atom"))
    catalog = catalog_triples(settings, store, release, all_releases[-1], files)
    (target / "catalog.ttl").write_bytes(serialize.triples_to_turtle(catalog, CATALOG_PREFIXES))
    files.append(file_info(target, "catalog.ttl"))
    sums = "".join(f"{f.sha256}  {f.name}\n" for f in sorted(files, key=lambda f: f.name))
    (target / "SHA256SUMS").write_text(sums, encoding="utf-8")
    now = step("void.ttl, feed.atom, catalog.ttl, SHA256SUMS", now)

    stamp = _release_mtime(release)
    for path in [*target.rglob("*"), target]:
        os.utime(path, (stamp, stamp))
    timings["total"] = time.perf_counter() - started
    return ExportResult(target, release, files, timings)


def check_conformance(
    settings: Settings, store: EmbeddedStore, files: DatasetFiles | None = None
) -> None:
    """Raise `ExportRefusedError` when the data has SHACL violations."""
    from kb.validation.validator import validate_store

    with store.reading() as oxigraph:
        report = validate_store(settings, oxigraph, files)
    if not report.conforms:
        raise ExportRefusedError(f"the data does not conform to the shapes: {report.summary('en')}")


def is_export_dir(path: Path) -> bool:
    return (path / "SHA256SUMS").is_file()


def export(
    settings: Settings,
    store: EmbeddedStore,
    out: Path,
    *,
    check: bool = True,
    files: DatasetFiles | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Validate (unless `check` is False), write into a temporary directory, swap it in."""
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out} is a file, not a directory")
    if out.is_dir() and any(out.iterdir()) and not is_export_dir(out):
        raise FileExistsError(
            f"{out} is a non-empty directory that is not an export (no SHA256SUMS): "
            "refusing to replace it"
        )
    if check:
        if progress:
            progress("validating the data against the shapes")
        check_conformance(settings, store, files)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".new", dir=out.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; an export is public
    try:
        result = write_export(settings, store, staging, progress)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    result.directory = out
    return result


def _swap(staging: Path, out: Path) -> None:
    """Put `staging` at `out`; the earlier export, if any, is removed only after."""
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
        old.rmdir()
        out.rename(old)
        try:
            staging.rename(out)
        except BaseException:
            old.rename(out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(out)


# -- the server's export ------------------------------------------------------------------

_served_lock = threading.Lock()


def served_export(settings: Settings, files: DatasetFiles, store: KnowledgeStore) -> Path:
    """The export the server serves under /dumps/: made from the store as it is, once per
    state of the store (content hash and generation) and public URL (the catalog names the
    URLs), in `settings.dumps_dir/KEY`.

    An embedded store is exported by a forked process (a consistent snapshot, its memory
    returned when it ends); for an external store, the files are loaded into a scratch
    store first. No conformance check: the server serves what it holds (it has logged the
    validation summary), so /dumps/ always matches /sparql.
    """
    embedded = store if isinstance(store, EmbeddedStore) else None
    key = _served_key(settings, embedded.state_key if embedded else files.content_hash)
    directory = settings.dumps_dir / key
    with _served_lock:
        if is_export_dir(directory):
            return directory
        started = time.perf_counter()
        if embedded is not None and embedded.writable:
            call_in_child(
                embedded.gate,
                lambda: export(settings, embedded, directory, check=False).directory,
            )
        else:
            source = embedded or EmbeddedStore.from_files(files, settings.base_iri)
            export(settings, source, directory, check=False)
        log.info("exported the dumps to %s in %.2f s", directory, time.perf_counter() - started)
        # Exports of other data are left alone: another server (another --data) may be
        # serving them from the same directory.
        return directory


def _served_key(settings: Settings, state: str) -> str:
    digest = hashlib.sha256(
        "\0".join(
            [
                state,
                exporter_fingerprint(),
                shapes_fingerprint(settings),
                settings.public_url,
                settings.host,
                str(settings.port),
            ]
        ).encode()
    )
    return digest.hexdigest()[:20]


@functools.cache
def exporter_fingerprint() -> str:
    """A digest of the code that writes the files (every module of `kb.publish` and the
    store's serializers it calls): a deployment that changes what a dump holds (a new CSV
    column, a fixed serializer) makes new dumps instead of serving the old ones, even where
    the data did not change. Read once per process."""
    digest = hashlib.sha256()
    for package in (Path(__file__).parent, Path(__file__).parent.parent / "store"):
        for module in sorted(package.glob("*.py")):
            digest.update(module.name.encode() + b"\0" + module.read_bytes() + b"\0")
    return digest.hexdigest()


def shapes_fingerprint(settings: Settings) -> str:
    """Names, sizes and modification times of the files of `shapes/` (shapes.ttl is a dump
    too): edited shapes make new dumps."""
    if not settings.shapes_dir.is_dir():
        return ""
    parts = []
    for path in data_files(settings.shapes_dir):
        stat = path.stat()
        parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts)
