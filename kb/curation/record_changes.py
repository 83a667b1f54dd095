"""The write path: a record's new description, validated, journaled, written, committed.

For other routes (revert, the editing forms, accepting a public request) the whole path is
one function:

    apply_record_change(kb, account, iri, new_triples, reason, if_match=None,
                        if_none_match=None) -> ChangeOutcome

`new_triples` is the record's complete new description (the triples about `iri` and about
the nodes it owns, `{iri}#name`: its statements), or None to delete it. `kb` is the
knowledge base (`settings`, `store`, and its data files). It returns a `ChangeOutcome`
(status 200/201/204, change id, new ETag, the warnings) or raises a `ChangeRefused`
subclass carrying its HTTP status: `PreconditionFailed` 412, `PreconditionRequired` 428,
`BadRecord` 400, `RecordNotFound` 404, `InvalidChange` 422 (with the SHACL results),
`RecordInUse` 422 (naming the records that link to it), `WritesUnavailable` 503.
`revert_change(kb, account, change_id, reason)` undoes a change as a new change.

One change, in order, under the writer lock (a thread lock and a file lock on
`{state_dir}/writer.lock`, so several processes never write at once; readers are never
blocked by it):

1. the record's current description is read from the store, its ETag compared with
   `If-Match` / `If-None-Match`;
2. the change (`kb.store.changes.ChangeSet`: the old description out, the new one in, in
   the named graph of the record's file) is tried in a snapshot of the store
   (`EmbeddedStore.trial`: no reader sees it) and validated there, incrementally, against
   the whole knowledge base (`kb.validation.change_validation`);
3. the history journal gets the change (write-ahead, fsynced: `kb.curation.history`);
4. the record's file is rewritten in canonical Turtle (`kb.sources.canonical_turtle`),
   durably (`kb.sources.durable_files`), then the journal's commit line;
5. the live store commits the change (`EmbeddedStore.commit`: pages, /sparql, search).

A new record goes to the data file holding the records of its kind (`docs/model.md`).
Literals are written as the store holds them (`"02"^^xsd:integer` becomes `"2"`), so the
files, the store and a later `alliance-kb validate` agree.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kb.config import CANONICAL_BASE_IRI, Settings
from kb.curation.accounts import Account
from kb.curation.history import Change, Journal, sha256_of
from kb.sources.canonical_turtle import NotCanonical, canonical_turtle, leading_comment
from kb.sources.durable_files import write_durably
from kb.sources.rdf_files import parse_file
from kb.store.changes import ChangeSet, TrialFailed

if TYPE_CHECKING:  # kb.validation (rdflib, its SPARQL parser) is imported on the first write
    from kb.validation.change_validation import ChangeValidator, ChangeVerdict
    from kb.validation.report import ValidationReport, ValidationResult

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: A change whose validation takes longer is refused (503) rather than holding the writer.
TRIAL_TIMEOUT_S = 300.0
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$|^[A-Z]{3}$")
KIND = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
#: Where a new record goes when no record of its kind exists yet (`docs/model.md`).
KIND_FILES = {
    "organisation": "organisations",
    "authority": "authorities",
    "membership": "memberships",
    "country": "countries",
    "prize": "prize",
    "prize-edition": "prize",
    "award": "awards",
    "document": "documents",
    "signature": "signatures",
    "practice": "practices",
    "database": "practices",
    "event": "events",
    "person": "people",
    "secondment": "people",
    "post": "people",
    "figure": "figures",
    "release": "release",
    "source": "sources",
}
#: Media types of a record's new description.
BODY_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
}


# -- outcomes and refusals ------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeOutcome:
    """An accepted change (or a PUT that changed nothing: `change_id` None)."""

    status: int
    record: str
    change_id: int | None
    etag: str | None
    #: Warnings and infos (violations refuse the change), about this record or caused elsewhere.
    results: list[ValidationResult] = field(default_factory=list)
    report: ValidationReport | None = None


class ChangeRefused(Exception):
    """A change that was not made; `status` is its HTTP status."""

    status = 400
    title = "Bad Request"

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


class BadRecord(ChangeRefused):
    status, title = 400, "Bad Request"


class RecordNotFound(ChangeRefused):
    status, title = 404, "Not Found"


class PreconditionFailed(ChangeRefused):
    status, title = 412, "Precondition Failed"


class PreconditionRequired(ChangeRefused):
    status, title = 428, "Precondition Required"


class InvalidChange(ChangeRefused):
    """The knowledge base with the change would have violations: the report says which."""

    status, title = 422, "Unprocessable Content"

    def __init__(self, detail: str, report: ValidationReport) -> None:
        super().__init__(detail)
        self.report = report


class RecordInUse(ChangeRefused):
    """A deletion refused while other records link to the record."""

    status, title = 422, "Unprocessable Content"

    def __init__(self, detail: str, linking: list[str]) -> None:
        super().__init__(detail)
        self.linking = linking


class WritesUnavailable(ChangeRefused):
    """This server cannot write (an external store, or a read-only on-disk store)."""

    status, title = 503, "Service Unavailable"


# -- reading a record ---------------------------------------------------------------------------


def record_nodes(store: ox.Store, iri: str) -> set[ox.NamedNode]:
    """The record and the nodes it owns (`{iri}#name`) that the store mentions."""
    prefix = iri + "#"
    found = {ox.NamedNode(iri)}
    todo = [ox.NamedNode(iri)]
    while todo:
        node = todo.pop()
        linked = [q.object for q in store.quads_for_pattern(node, None, None)]
        linked += [q.subject for q in store.quads_for_pattern(None, None, node)]
        for term in linked:
            if (
                isinstance(term, ox.NamedNode)
                and term.value.startswith(prefix)
                and term not in found
            ):
                found.add(term)
                todo.append(term)
    return found


def describe_record(store: ox.Store, iri: str) -> list[ox.Quad]:
    """The quads whose subject is the record or a node it owns, in every graph."""
    return [
        q
        for node in sorted(record_nodes(store, iri), key=lambda n: n.value)
        for q in store.quads_for_pattern(node, None, None)
    ]


def etag_of(triples: Sequence[ox.Triple | ox.Quad]) -> str | None:
    """A strong ETag of a record's state (its triples, whatever their order); None if empty."""
    if not triples:
        return None
    lines = sorted({f"{t.subject} {t.predicate} {t.object} ." for t in triples})
    digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    return f'"{digest[:32]}"'


@contextmanager
def reading(store: Any) -> Iterator[ox.Store]:
    """The store's pyoxigraph `Store`, held for a read (see `EmbeddedStore.reading`)."""
    hold = getattr(store, "reading", None)
    if hold is not None:
        with hold() as oxigraph:
            yield oxigraph
    else:
        yield store.oxigraph


def record_etag(store: Any, iri: str) -> str | None:
    """The ETag of a record as the live store holds it (None: no such record, or no write
    path on this store)."""
    if not hasattr(store, "oxigraph"):
        return None
    with reading(store) as oxigraph:
        return etag_of(describe_record(oxigraph, iri))


def parse_record_body(
    settings: Settings, iri: str, body: bytes, media_type: str
) -> list[ox.Triple]:
    """A record's new description from a request body (Turtle, N-Triples or JSON-LD).

    Relative IRIs resolve against the record's IRI (`<>` is the record, `<#rank>` a node it
    owns). No network access (a remote JSON-LD context is an error). `BadRecord` says where
    the syntax is wrong (line:column).
    """
    mime = media_type.split(";", 1)[0].strip().lower()
    fmt = BODY_FORMATS.get(mime)
    if fmt is None:
        raise UnsupportedBody(
            f"unsupported media type {mime or '(none)'!r}: send text/turtle, "
            "application/ld+json or application/n-triples"
        )
    try:
        parsed = ox.parse(body, format=fmt, base_iri=iri, without_named_graphs=True)
        return [ox.Triple(q.subject, q.predicate, q.object) for q in parsed]
    except SyntaxError as exc:
        message = str(exc.msg) if exc.msg else str(exc)
        if message.startswith("Parser error") and ": " in message:
            message = message.split(": ", 1)[1]
        where = f"{exc.lineno}:{exc.offset}: " if exc.lineno else ""
        raise BadRecord(f"request body:{where}{message}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRecord(f"request body: {exc}") from exc


class UnsupportedBody(ChangeRefused):
    status, title = 415, "Unsupported Media Type"


def split_record_iri(settings: Settings, iri: str) -> tuple[str, str]:
    """(kind, slug) of a record IRI `{base}id/{kind}/{slug}`; `BadRecord` otherwise."""
    prefix = settings.base_iri + "id/"
    kind, _, slug = iri[len(prefix) :].partition("/") if iri.startswith(prefix) else ("", "", "")
    if not KIND.match(kind) or not SLUG.match(slug):
        raise BadRecord(f"{iri} is not a record IRI ({prefix}{{kind}}/{{slug}})")
    return kind, slug


def to_canonical_line(triple: ox.Triple | ox.Quad, base_iri: str) -> str:
    """A triple as an N-Triples line with the canonical base (as in the files)."""

    def term(t: Any) -> str:
        text = str(t)
        if base_iri != CANONICAL_BASE_IRI:
            text = text.replace(base_iri, CANONICAL_BASE_IRI)
        return text

    return f"{term(triple.subject)} {term(triple.predicate)} {term(triple.object)} ."


# -- the writer -------------------------------------------------------------------------------


class RecordWriter:
    """The one writer of a state directory: its lock, journal and compiled shapes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state_dir = settings.state_dir
        data, state = settings.data_dir.resolve(), settings.state_dir.resolve()
        if state == data or data in state.parents:
            raise ValueError(
                f"ALLIANCE_STATE_DIR ({state}) is inside the data directory ({data}): "
                "accounts and history must never be in data/"
            )
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.journal = Journal(self.state_dir)
        self._thread_lock = threading.Lock()
        self._validator: ChangeValidator | None = None
        self._kind_graphs: dict[str, str] = {}

    @contextmanager
    def locked(self) -> Iterator[None]:
        """The writer lock: one change at a time, across threads and processes."""
        with self._thread_lock, open(self.state_dir / "writer.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @property
    def validator(self) -> ChangeValidator:
        if self._validator is None:
            from kb.validation.change_validation import ChangeValidator  # on the first write

            self._validator = ChangeValidator(self.settings)
        return self._validator

    # -- files ------------------------------------------------------------------------------

    def data_files(self, kb: Any) -> dict[str, Path]:
        """Graph IRI → data file of the knowledge base."""
        sources = getattr(kb, "sources", None)
        if sources is None and getattr(kb, "dataset", None) is not None:
            sources = kb.dataset.sources
        files = {s.graph: Path(s.path) for s in sources or () if s.role == "data"}
        if not files:
            files = {
                self.settings.graph_iri(p.stem): p
                for p in sorted(self.settings.data_dir.glob("*.ttl"))
            }
        return files

    def graph_for_kind(self, oxigraph: ox.Store, kind: str, files: dict[str, Path]) -> str:
        """The graph (file) where new records of `kind` go: the one holding most of them."""
        known = self._kind_graphs.get(kind)
        if known in files:
            return known
        prefix = f"{self.settings.base_iri}id/{kind}/"
        rows = oxigraph.query(
            "SELECT ?g (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?t } "
            f'FILTER(STRSTARTS(STR(?s), "{prefix}")) }} GROUP BY ?g ORDER BY DESC(?n)'
        )
        for row in rows:  # type: ignore[union-attr]
            graph = row["g"].value
            if graph in files:
                self._kind_graphs[kind] = graph
                return graph
        stem = KIND_FILES.get(kind)
        graph = self.settings.graph_iri(stem) if stem else ""
        if graph not in files:
            raise BadRecord(f"no data file holds records of kind {kind!r}")
        self._kind_graphs[kind] = graph
        return graph

    def redo(self, path: Path, change: Change, name: str) -> bytes:
        """The file as `change` leaves it, from the file before it (journal recovery): its
        triples, less the change's removed ones, plus its added ones."""
        graph = self.settings.graph_iri(path.stem)
        quads = parse_file(path, graph, CANONICAL_BASE_IRI) if path.exists() else []

        def triples(lines: list[str]) -> set[ox.Triple]:
            parsed = ox.parse("\n".join(lines), format=ox.RdfFormat.N_TRIPLES)
            return {ox.Triple(q.subject, q.predicate, q.object) for q in parsed}

        now = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
        after = (now - triples(change.removed.get(name, []))) | triples(change.added.get(name, []))
        header = leading_comment(path.read_bytes()) if path.exists() else ""
        return canonical_turtle(after, CANONICAL_BASE_IRI, header)

    def recover_files(self, data_dir: Path) -> list[str]:
        """Finish or abort the changes a crash interrupted (at start-up, before loading)."""
        with self.locked():
            return self.journal.recover(data_dir, self.redo)

    # -- one change ---------------------------------------------------------------------------

    def write(
        self,
        kb: Any,
        account: Account,
        iri: str,
        make_new: Callable[[list[ox.Quad]], Sequence[ox.Triple] | None],
        reason: str,
        if_match: str | None = None,
        if_none_match: str | None = None,
        revert_of: int | None = None,
        conditional: bool = True,
    ) -> ChangeOutcome:
        """Apply one change to one record (see the module's docstring)."""
        store = kb.store
        if not (hasattr(store, "trial") and getattr(store, "writable", False)):
            raise WritesUnavailable(
                "this server has no write path: it queries an external or read-only store; "
                "edit the records on the server that holds data/ in memory"
            )
        settings = self.settings
        split_record_iri(settings, iri)
        files = self.data_files(kb)
        with self.locked():
            data_dir = next(iter({p.parent for p in files.values()}), settings.data_dir)
            self.journal.recover(data_dir, self.redo)
            with reading(store) as oxigraph:
                current = describe_record(oxigraph, iri)
                etag = etag_of(current)
                if conditional:
                    check_preconditions(iri, etag, if_match, if_none_match)
                new = make_new(current)
                if new is None:
                    if not current:
                        raise RecordNotFound(f"no record {iri}")
                    linking = links_into(oxigraph, iri)
                    if linking:
                        raise RecordInUse(
                            f"{iri} cannot be deleted while other records link to it: "
                            + ", ".join(linking),
                            linking,
                        )
                    added: list[ox.Quad] = []
                    action = "delete"
                else:
                    action = "update" if current else "create"
                    triples = check_description(iri, new)
                    home = home_graph(current, iri)
                    if home is None:
                        kind, _ = split_record_iri(settings, iri)
                        home = self.graph_for_kind(oxigraph, kind, files)
                    added = [
                        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(home))
                        for t in triples
                    ]
            change = ChangeSet.of(current, added)
            if not change:
                return ChangeOutcome(200, iri, None, etag)
            subjects = {
                q.subject for q in (*current, *added) if isinstance(q.subject, ox.NamedNode)
            }
            validator = self.validator
            verdict: ChangeVerdict = trial(
                store, change, lambda st: validator.verdict(st, change, subjects)
            )
            report = validator.report(verdict.results)
            if verdict.refused:
                raise InvalidChange(
                    f"the knowledge base with this change would have violations: "
                    f"{report.summary('en')}",
                    report,
                )
            missing = sorted(g for g in change.graphs() if g not in files)
            if missing:
                raise BadRecord(f"no data file for graph {', '.join(missing)}")
            contents = {files[g]: self.rewritten(files[g], iri, added) for g in change.graphs()}
            entry = self.journal_entry(
                account, iri, change, files, contents, reason, revert_of, action
            )
            self.journal.begin(entry)
            for path, content in sorted(contents.items()):
                write_durably(path, content)
            self.journal.commit(entry.id)
            store.commit(change)
        status = {"delete": 204, "create": 201, "update": 200}[action]
        return ChangeOutcome(status, iri, entry.id, etag_of(added), verdict.results, report)

    def rewritten(self, path: Path, iri: str, added: list[ox.Quad]) -> bytes:
        """The file's new content: its triples minus the record's, plus the record's new ones."""
        graph = self.settings.graph_iri(path.stem)
        quads = parse_file(path, graph, self.settings.base_iri) if path.exists() else []
        prefix = iri + "#"
        kept = [
            q
            for q in quads
            if not (
                isinstance(q.subject, ox.NamedNode)
                and (q.subject.value == iri or q.subject.value.startswith(prefix))
            )
        ]
        mine = [
            q
            for q in added
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == graph
        ]
        header = leading_comment(path.read_bytes()) if path.exists() else ""
        try:
            return canonical_turtle([*kept, *mine], self.settings.base_iri, header)
        except NotCanonical as exc:
            raise BadRecord(str(exc)) from exc

    def journal_entry(
        self,
        account: Account,
        iri: str,
        change: ChangeSet,
        files: dict[str, Path],
        contents: dict[Path, bytes],
        reason: str,
        revert_of: int | None,
        action: str,
    ) -> Change:
        base = self.settings.base_iri
        by_file = {
            path.name: {"before": sha256_of(path), "after": hashlib.sha256(after).hexdigest()}
            for path, after in sorted(contents.items())
        }
        removed: dict[str, list[str]] = {}
        added_lines: dict[str, list[str]] = {}
        for quads, target in ((change.removed, removed), (change.added, added_lines)):
            for q in quads:
                name = files[q.graph_name.value].name  # type: ignore[union-attr]
                target.setdefault(name, []).append(to_canonical_line(q, base))
        canonical_iri = (
            iri.replace(base, CANONICAL_BASE_IRI, 1) if base != CANONICAL_BASE_IRI else iri
        )
        return Change(
            id=self.journal.next_id(),
            time=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            account=account.name,
            reason=reason,
            record=canonical_iri,
            action=action,
            revert_of=revert_of,
            files=by_file,
            removed={k: sorted(v) for k, v in removed.items()},
            added={k: sorted(v) for k, v in added_lines.items()},
        )


def check_preconditions(
    iri: str, etag: str | None, if_match: str | None, if_none_match: str | None
) -> None:
    """The conditional-request rules of the write path (RFC 9110, strong comparison)."""
    if if_none_match is not None and if_none_match.strip() == "*" and etag is not None:
        raise PreconditionFailed(f"{iri} exists (If-None-Match: *): fetch it and send If-Match")
    if if_match is not None:
        tags = [t.strip() for t in if_match.split(",") if t.strip()]
        if etag is None or not ("*" in tags or etag in tags):
            raise PreconditionFailed(
                f"{iri} has changed since that ETag (now {etag or 'absent'}): fetch it again"
            )
    elif etag is not None and if_none_match is None:
        raise PreconditionRequired(
            f"{iri} exists: send If-Match with the ETag of the version you edited"
        )


def check_description(iri: str, triples: Sequence[ox.Triple]) -> list[ox.Triple]:
    """The triples of a record's description, refused unless they are about the record or
    the nodes it owns; literals as the store keeps them."""
    prefix = iri + "#"
    if not any(t.subject == ox.NamedNode(iri) for t in triples):
        raise BadRecord(f"the body says nothing about {iri}: describe the record itself")
    for t in triples:
        for term in (t.subject, t.object):
            if isinstance(term, ox.BlankNode):
                raise BadRecord(
                    "blank nodes are not stored: name the node <#name> (it becomes "
                    f"{prefix}name, owned by the record)"
                )
            if isinstance(term, ox.Triple):
                raise BadRecord("quoted triples are not supported")
        subject = t.subject
        if not (
            isinstance(subject, ox.NamedNode)
            and (subject.value == iri or subject.value.startswith(prefix))
        ):
            raise BadRecord(
                f"the body describes {subject}, which is neither {iri} nor a node it owns "
                f"({prefix}...): send each record to its own address"
            )
    from kb.validation.shacl_engine import canonical_literals  # on the first write

    canonical = canonical_literals(t.object for t in triples if isinstance(t.object, ox.Literal))
    return list(
        dict.fromkeys(
            ox.Triple(t.subject, t.predicate, canonical.get(t.object, t.object)) for t in triples
        )
    )


def home_graph(current: list[ox.Quad], iri: str) -> str | None:
    """The graph of the record's file: where its type is stated, else where most of it is."""
    typed = [
        q.graph_name.value
        for q in current
        if q.subject == ox.NamedNode(iri)
        and q.predicate.value == RDF_TYPE
        and isinstance(q.graph_name, ox.NamedNode)
    ]
    graphs = typed or [
        q.graph_name.value for q in current if isinstance(q.graph_name, ox.NamedNode)
    ]
    if not graphs:
        return None
    return max(sorted(set(graphs)), key=graphs.count)


def links_into(oxigraph: ox.Store, iri: str) -> list[str]:
    """The records (other than this one) with a link to it or to a node it owns."""
    nodes = record_nodes(oxigraph, iri)
    prefix = iri + "#"
    linking = set()
    for node in nodes:
        for q in oxigraph.quads_for_pattern(None, None, node):
            subject = q.subject
            if isinstance(subject, ox.NamedNode) and not (
                subject.value == iri or subject.value.startswith(prefix)
            ):
                linking.add(subject.value.partition("#")[0])
    return sorted(linking)


# -- the store's change API --------------------------------------------------------------------


def trial(
    store: Any, change: ChangeSet, check: Callable[[ox.Store], ChangeVerdict]
) -> ChangeVerdict:
    """`check` on the store with `change` applied, seen by no reader (`EmbeddedStore.trial`)."""
    try:
        verdict: ChangeVerdict = store.trial(change, check, timeout_s=TRIAL_TIMEOUT_S)
    except TrialFailed as exc:
        raise WritesUnavailable(f"the change could not be validated: {exc}") from exc
    return verdict


# -- the functions other routes use ------------------------------------------------------------

_WRITERS: dict[Path, RecordWriter] = {}
_WRITERS_LOCK = threading.Lock()


def writer_for(settings: Settings) -> RecordWriter:
    """The writer of `settings.state_dir` (one per process and state directory)."""
    key = Path(settings.state_dir).resolve()
    with _WRITERS_LOCK:
        writer = _WRITERS.get(key)
        if writer is None or writer.settings is not settings:
            writer = _WRITERS[key] = RecordWriter(settings)
        return writer


def apply_record_change(
    kb: Any,
    account: Account,
    iri: str,
    new_triples: Sequence[ox.Triple] | None,
    reason: str,
    if_match: str | None = None,
    if_none_match: str | None = None,
) -> ChangeOutcome:
    """Replace (or, with None, delete) a record's description: see the module's docstring."""
    return writer_for(kb.settings).write(
        kb, account, iri, lambda _current: new_triples, reason, if_match, if_none_match
    )


def revert_change(kb: Any, account: Account, change_id: int, reason: str = "") -> ChangeOutcome:
    """Undo change `change_id` as a new change: its removed triples back, its added ones out,
    applied to the record as it is now, and validated like any write."""
    writer = writer_for(kb.settings)
    change = writer.journal.change(change_id)
    if change is None:
        raise RecordNotFound(f"no change {change_id}")
    base = kb.settings.base_iri
    record = change.record
    if base != CANONICAL_BASE_IRI:
        record = record.replace(CANONICAL_BASE_IRI, base, 1)

    def lines_to_triples(lines: list[str]) -> set[ox.Triple]:
        text = "\n".join(lines)
        if base != CANONICAL_BASE_IRI:
            text = text.replace(CANONICAL_BASE_IRI, base)
        return {
            ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)
        }

    put_back = lines_to_triples(change.removed_lines())
    take_out = lines_to_triples(change.added_lines())

    def reverted(current: list[ox.Quad]) -> list[ox.Triple] | None:
        now = {ox.Triple(q.subject, q.predicate, q.object) for q in current}
        after = (now - take_out) | put_back
        return sorted(after, key=str) if after else None

    why = reason or f"revert of change {change_id}"
    return writer.write(kb, account, record, reverted, why, revert_of=change_id, conditional=False)
