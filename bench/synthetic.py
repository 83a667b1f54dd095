"""Synthetic knowledge bases of any size, shaped like the Alliance's records.

`generate(n_triples, seed)` writes an N-Triples file to a temporary directory (never under
`data/`) and returns its path. The records are copies of the shipped records of the kinds a
curator adds in bulk (cities and regions, memberships, prize editions, awards, signatures),
renamed per copy (`id:authority/ghent` → `…/authority/ghent-x17`), with participant and
edition numbers shifted so that copies do not collide; the records they point to
(countries, organisations, the prize, sources, people, documents) are kept once. Copies are
therefore as valid as the shipped data. Then `violations` records are damaged on purpose,
cycling through five kinds (see `MUTATIONS`), chosen with `seed`.

Record IRIs of the copies use `base` + `id/{kind}/{slug}`. The default base is
https://example.org/synthetic/; the IRI-pattern shapes of `shapes/` are written for the
canonical base and then fire on every copy, so the validation benchmark passes the
canonical base (the files are temporary and the slugs end in `-x{copy}`).

Usable from other benchmarks: `python -m bench.synthetic 100000 --seed 1` prints the path.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
CANONICAL = "https://w3id.org/roma-alliance/"
SYNTHETIC = "https://example.org/synthetic/"
ONT = CANONICAL + "ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: Kinds of record that are copied; every other record is kept once.
COPIED = ("authority", "membership", "prize-edition", "award", "signature")
#: The source files they come from.
FILES = (
    "authorities.ttl",
    "memberships.ttl",
    "prize.ttl",
    "awards.ttl",
    "signatures.ttl",
)
#: What each deliberate violation does.
MUTATIONS = (
    "authority without dcterms:source",
    "authority name tagged @de",
    "award rank 7",
    "membership without member",
    "membership starting in 2001 (a Warning)",
)

#: (mutation, predicate) whose triples the mutation removes.
DROPPED = {(3, "http://www.w3.org/ns/org#member"), (4, "http://schema.org/startDate")}
_IRI = re.compile(rf"^({re.escape(CANONICAL)}id/({'|'.join(COPIED)})/)([a-z0-9-]+)$")
_SHIFT = {ONT + "participantNumber": 1000, ONT + "editionNumber": 100}


def _load(data_dir: Path) -> tuple[list[ox.Triple], list[ox.Triple]]:
    """(triples about copied records, triples of every other record) of the shipped data."""
    copied: list[ox.Triple] = []
    fixed: list[ox.Triple] = []
    for path in sorted(data_dir.glob("*.ttl")):
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            subject = t.subject
            is_copied = isinstance(subject, ox.NamedNode) and _IRI.match(subject.value)
            (copied if is_copied and path.name in FILES else fixed).append(t)
    return copied, fixed


def _rename(term: Any, copy: int, base: str) -> Any:
    if isinstance(term, ox.NamedNode):
        m = _IRI.match(term.value)
        if m:
            return ox.NamedNode(f"{base}id/{m.group(2)}/{m.group(3)}-x{copy}")
    return term


def _copy(triples: list[ox.Triple], copy: int, base: str) -> list[ox.Triple]:
    out = []
    for t in triples:
        obj = t.object
        shift = _SHIFT.get(t.predicate.value)
        if shift and isinstance(obj, ox.Literal):
            obj = ox.Literal(str(int(obj.value) + shift * copy), datatype=obj.datatype)
        out.append(ox.Triple(_rename(t.subject, copy, base), t.predicate, _rename(obj, copy, base)))
    return out


def _mutate(
    triples: list[ox.Triple], violations: int, rng: random.Random
) -> tuple[list[ox.Triple], dict[str, int]]:
    """Damage `violations` records (one mutation each), cycling through `MUTATIONS`."""
    by_subject: dict[Any, list[int]] = defaultdict(list)
    kinds: dict[str, list[Any]] = defaultdict(list)
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    for i, t in enumerate(triples):
        by_subject[t.subject].append(i)
        if t.predicate.value == rdf_type and isinstance(t.object, ox.NamedNode):
            kinds[t.object.value].append(t.subject)
    authorities = sorted(
        set(kinds[ONT + "Municipality"] + kinds[ONT + "Region"]), key=lambda n: n.value
    )
    awards = sorted(set(kinds[ONT + "Award"]), key=lambda n: n.value)
    memberships = sorted(
        set(kinds["http://www.w3.org/ns/org#Membership"]) - set(kinds[ONT + "Secondment"]),
        key=lambda n: n.value,
    )
    pools = [authorities, authorities, awards, memberships, memberships]
    picked: set[Any] = set()
    drop: set[int] = set()
    add: list[ox.Triple] = []
    done: dict[str, int] = defaultdict(int)
    for n in range(violations):
        kind = n % len(MUTATIONS)
        pool = [s for s in pools[kind] if s not in picked]
        if not pool:
            continue
        subject = rng.choice(pool)
        picked.add(subject)
        done[MUTATIONS[kind]] += 1
        for i in by_subject[subject]:
            t = triples[i]
            p = t.predicate.value
            if kind == 0 and p == "http://purl.org/dc/terms/source":
                drop.add(i)
            elif kind == 1 and p == "http://www.w3.org/2004/02/skos/core#prefLabel":
                drop.add(i)
                add.append(
                    ox.Triple(t.subject, t.predicate, ox.Literal(t.object.value, language="de"))
                )
            elif kind == 2 and p == ONT + "rank":
                drop.add(i)
                add.append(
                    ox.Triple(t.subject, t.predicate, ox.Literal("7", datatype=t.object.datatype))
                )
            elif (kind, p) in DROPPED:
                drop.add(i)
        if kind == 2 and not any(
            triples[i].predicate.value == ONT + "rank" for i in by_subject[subject]
        ):
            add.append(
                ox.Triple(
                    subject,
                    ox.NamedNode(ONT + "rank"),
                    ox.Literal("7", datatype=ox.NamedNode(XSD + "positiveInteger")),
                )
            )
        if kind == 4:
            add.append(
                ox.Triple(
                    subject,
                    ox.NamedNode("http://schema.org/startDate"),
                    ox.Literal("2001-01-01", datatype=ox.NamedNode(XSD + "date")),
                )
            )
    kept = [t for i, t in enumerate(triples) if i not in drop]
    return kept + add, dict(done)


def generate_triples(
    n_triples: int,
    seed: int = 0,
    violations: int | None = None,
    base: str = SYNTHETIC,
    data_dir: Path = ROOT / "data",
) -> tuple[list[ox.Triple], dict[str, int]]:
    """About `n_triples` triples (at least one copy) and the mutations made, by kind."""
    copied, fixed = _load(data_dir)
    if not copied:
        raise SystemExit(f"no records of kinds {', '.join(COPIED)} in {data_dir}")
    copies = max(0, round((n_triples - len(fixed)) / len(copied)) - 1)
    triples = fixed + copied  # the shipped records themselves, which others point to
    for c in range(1, copies + 1):
        triples += _copy(copied, c, base)
    if violations is None:
        violations = max(5, n_triples // 2000)
    return _mutate(triples, violations, random.Random(seed))


def generate(
    n_triples: int,
    seed: int = 0,
    violations: int | None = None,
    base: str = SYNTHETIC,
    out_dir: Path | None = None,
) -> Path:
    """Write a synthetic knowledge base (N-Triples) to a temporary directory; its path."""
    triples, _ = generate_triples(n_triples, seed, violations, base)
    directory = out_dir or Path(tempfile.mkdtemp(prefix="alliance-synthetic-"))
    path = directory / f"synthetic-{n_triples}-{seed}.nt"
    ox.serialize(triples, output=str(path), format=ox.RdfFormat.N_TRIPLES)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n_triples", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--violations", type=int, default=None)
    parser.add_argument("--base", default=SYNTHETIC)
    args = parser.parse_args(argv)
    print(generate(args.n_triples, args.seed, args.violations, args.base))
    return 0


if __name__ == "__main__":
    sys.exit(main())
