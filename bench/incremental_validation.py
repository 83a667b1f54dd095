"""Benchmark: validating a one-record change incrementally, against a full validation.

A synthetic knowledge base (`bench.synthetic`, canonical base, in memory only, never in
data/) is loaded into an Oxigraph store as the server holds it (one named graph for the
records, `graph/ontology`, `graph/vocabularies`). Then random one-record changes of the
kinds a curator makes (a rank, a link to another edition or country, a label added, a fact
removed, a whole record deleted or copied under a new slug) are each applied to the store
and validated by `ChangeValidator.verdict`, the function the write path runs in its trial:
the affected focus nodes are found (`kb.validation.affected_nodes`) and validated again,
and where results appear elsewhere the same nodes are validated before the change too. The
change is then undone.

The first `--verify` changes are also validated in full, and the incremental results
(the full results before the change, those of the affected focus nodes replaced) are
compared with the full results after it: they must be equal.

    flock /work/bench.lock .venv/bin/python -m bench.incremental_validation --size 1000000 \\
        --changes 200 --verify 5

Prints the full validation's time, the p50 / p90 / p99 / max of the incremental verdicts,
the focus nodes checked again per change, and the verification's outcome.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import CANONICAL, generate_triples  # noqa: E402
from kb.config import Settings  # noqa: E402
from kb.sources.rdf_files import discover_sources, parse_file  # noqa: E402
from kb.store.changes import ChangeSet  # noqa: E402
from kb.validation.affected_nodes import affected_focus_nodes  # noqa: E402
from kb.validation.change_validation import ChangeValidator, data_graphs  # noqa: E402
from kb.validation.rdf_terms import ox_to_rdflib  # noqa: E402

ONT = CANONICAL + "ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
KINDS = ("authority", "membership", "award", "prize-edition", "signature")


def load(size: int, seed: int) -> tuple[ox.Store, list[ox.Quad]]:
    settings = Settings()
    store = ox.Store()
    for source in discover_sources(settings):
        if source.role != "data":
            store.bulk_extend(parse_file(source.path, source.graph, settings.base_iri))
    triples, _ = generate_triples(size, seed, base=CANONICAL)
    graph = ox.NamedNode(settings.graph_iri("synthetic"))
    quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
    store.bulk_extend(quads)
    return store, quads


def random_change(rng: random.Random, store: ox.Store, by_kind: dict[str, list[Any]]) -> ChangeSet:
    """One record's edit, as a curator's PUT or DELETE would make it."""
    kind = rng.choice(KINDS)
    record = rng.choice(by_kind[kind])
    own = list(store.quads_for_pattern(record, None, None))
    graph = own[0].graph_name
    what = rng.choice(["rank", "link", "label", "remove", "delete", "copy"])
    removed: list[ox.Quad] = []
    added: list[ox.Quad] = []
    if what == "rank" and kind == "award":
        removed = [q for q in own if q.predicate.value == ONT + "rank"]
        rank = ox.Literal(str(rng.choice([1, 2, 3, 7])), datatype=ox.NamedNode(XSD + "integer"))
        added = [ox.Quad(record, ox.NamedNode(ONT + "rank"), rank, graph)]
    elif what == "link":
        links = [q for q in own if isinstance(q.object, ox.NamedNode) and "/id/" in q.object.value]
        if links:
            old = rng.choice(links)
            others = [q.object for q in store.quads_for_pattern(None, old.predicate, None)]
            removed = [old]
            added = [ox.Quad(record, old.predicate, rng.choice(others[:5000]), graph)]
    elif what == "label":
        text = ox.Literal(f"name {rng.randrange(10**6)}", language=rng.choice(["en", "fr", "de"]))
        added = [ox.Quad(record, ox.NamedNode(SKOS_PREF), text, graph)]
    elif what == "remove" and own:
        removed = [rng.choice(own)]
    elif what == "delete":
        removed = own
    elif what == "copy":
        twin = ox.NamedNode(f"{record.value}-copy{rng.randrange(10**6)}")
        added = [ox.Quad(twin, q.predicate, q.object, graph) for q in own]
    if not removed and not added:
        removed = own[:1]
    return ChangeSet.of(removed, [q for q in added if q not in store])


def keys(results: list[Any]) -> Counter[tuple[Any, ...]]:
    return Counter((r.key(), str(r.constraint_component)) for r in results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--verify", type=int, default=5, help="changes also validated in full")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    store, quads = load(args.size, args.seed)
    print(f"loaded {len(store):,} quads in {time.perf_counter() - started:.1f} s", flush=True)
    validator = ChangeValidator(Settings())
    engine = validator.engine
    graphs = data_graphs(store)
    started = time.perf_counter()
    baseline = engine.validate_graphs_by_shape(store, graphs)
    full_s = time.perf_counter() - started
    total = sum(len(r) for r in baseline.values())
    print(f"full validation: {full_s:.1f} s, {total:,} results", flush=True)

    by_kind: dict[str, list[Any]] = {k: [] for k in KINDS}
    for q in quads:
        if q.predicate.value.endswith("#type") and isinstance(q.subject, ox.NamedNode):
            kind = q.subject.value[len(CANONICAL + "id/") :].split("/", 1)[0]
            if kind in by_kind:
                by_kind[kind].append(q.subject)
    rng = random.Random(args.seed)
    times: list[float] = []
    checked: list[int] = []
    verified = mismatched = 0
    for n in range(args.changes):
        change = random_change(rng, store, by_kind)
        subjects = {q.subject for q in (*change.removed, *change.added)}
        change.apply_to(store)
        try:
            started = time.perf_counter()
            verdict = validator.verdict(store, change, subjects)  # type: ignore[arg-type]
            times.append(time.perf_counter() - started)
            checked.append(verdict.checked)
            if n < args.verify:
                candidates = affected_focus_nodes(engine, store, change)
                again = engine.validate_graphs_by_shape(store, graphs, candidates)
                merged: list[Any] = []
                for shape, results in baseline.items():
                    if candidates is not None and shape not in candidates:
                        merged += results
                        continue
                    nodes = None if candidates is None else candidates[shape]
                    if nodes is not None:
                        redone = {ox_to_rdflib(x) for x in nodes}
                        merged += [r for r in results if r.focus_node not in redone]
                    merged += again.get(shape, [])
                full = engine.validate_graphs(store, graphs)
                verified += 1
                if keys(merged) != keys(full):
                    mismatched += 1
                    print(f"  change {n}: incremental and full results DIFFER", flush=True)
        finally:
            ChangeSet(change.added, change.removed).apply_to(store)
        if (n + 1) % 10 == 0:
            print(
                f"  {n + 1} changes, median so far {statistics.median(times) * 1000:.0f} ms",
                flush=True,
            )

    times.sort()

    def pct(p: float) -> float:
        return times[min(len(times) - 1, int(p * len(times)))] * 1000

    print()
    print(
        f"date: {datetime.date.today()}, machine: {platform.machine()} {platform.system()}, "
        f"python {platform.python_version()}"
    )
    print(f"triples: {len(store):,}; full validation {full_s:.1f} s")
    print(
        f"incremental verdict over {len(times)} one-record changes: p50 {pct(0.5):.0f} ms, "
        f"p90 {pct(0.9):.0f} ms, p99 {pct(0.99):.0f} ms, max {times[-1] * 1000:.0f} ms; "
        f"speed-up at the median {full_s / (pct(0.5) / 1000):.0f}x"
    )
    print(
        f"focus nodes checked again per change: median {statistics.median(checked):.0f}, "
        f"max {max(checked)} (-1: a shape in full)"
    )
    print(f"verified against a full validation: {verified} changes, {mismatched} differ")
    return 1 if mismatched else 0


if __name__ == "__main__":
    sys.exit(main())
