"""Coverage: how many records the knowledge base holds next to what the sources state.

"14 of about 130 participants recorded": the knowledge base names only the
participants, signatories, practices... that public pages name, while the
Alliance states larger totals. Each such comparison is a W3C Data Quality
Vocabulary metric (`dqv:Metric`, records `id/metric/{slug}` of
`data/coverage.ttl`): what is counted (`METRICS` below says how, per metric),
the stated figure it is compared with (`alliance:comparedWith`, a figure record
with its value, date and page), and its labels in English and French.

`coverage(store, base_iri)` counts live, so the figures follow every change to
the data; the exports turn the same list into `dqv:QualityMeasurement`s of the
dataset in the DCAT catalog and VoID (`measurement_triples`), the landing page
and the list pages show it, and `queries/coverage.rq` computes it in SPARQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from kb.namespaces import DCTERMS, DQV, ORG, RDF, SKOS, XSD
from kb.store.embedded import KnowledgeStore


@dataclass(frozen=True)
class Metric:
    """How one metric is counted: records of a kind, or distinct values reached from them.

    `pattern` is a SPARQL group pattern binding `?x` to what is counted; `{a}` stands
    for the ontology namespace and `{id}` for the records' namespace.
    """

    slug: str
    kind: str
    pattern: str


_MEMBERSHIP = "?m a <" + ORG + "Membership> ; <" + ORG + "organization> <{id}organisation/alliance>"

#: Every metric of data/coverage.ttl and how it is counted (a test keeps the two in step).
METRICS: tuple[Metric, ...] = (
    Metric("participants", "membership", _MEMBERSHIP + " ; <" + ORG + "member> ?x ."),
    Metric(
        "participant-countries",
        "membership",
        _MEMBERSHIP + " ; <" + ORG + "member> ?a . ?a <{a}country> ?x .",
    ),
    Metric("signatories", "signature", "?s a <{a}Signature> ; <{a}onBehalfOf> ?x ."),
    Metric(
        "signatory-states",
        "signature",
        "?s a <{a}Signature> ; <{a}onBehalfOf> ?o . ?o <{a}country> ?x .",
    ),
    Metric("authorities", "authority", "{{ ?x a <{a}Municipality> }} UNION {{ ?x a <{a}Region> }}"),
    Metric("good-practices", "practice", "?x a <{a}GoodPractice> ."),
    Metric("events", "event", "{{ ?x a <{a}Event> }} UNION {{ ?x a <{a}CongressSession> }}"),
    Metric("awards", "award", "?x a <{a}Award> ."),
    Metric("stated-figures", "figure", "?x a <{a}StatedFigure> ."),
)


@dataclass(frozen=True)
class StatedFigure:
    """A figure as a page states it: the value, how to read it, its date and its pages."""

    iri: str
    value: int
    lower_bound: bool = False
    approximate: bool = False
    date: str | None = None
    text: str | None = None
    sources: tuple[str, ...] = ()
    measure: str | None = None  # the measure concept (what is counted)


@dataclass(frozen=True)
class Coverage:
    """One metric: the records counted now next to the figure a source states."""

    metric: str  # IRI of the dqv:Metric
    slug: str
    kind: str  # the kind of record counted, as in /id/{kind}/
    recorded: int
    stated: StatedFigure | None  # the figure it is compared with, if any
    labels: Mapping[str, str] = field(default_factory=dict)  # language → label

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.slug


def _value(term: object) -> str | None:
    return term.value if isinstance(term, ox.Literal | ox.NamedNode) else None


def _count(store: KnowledgeStore, metric: Metric, base_iri: str) -> int:
    pattern = metric.pattern.format(a=f"{base_iri}ontology#", id=f"{base_iri}id/")
    rows = store.select(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }}")
    value = _value(rows[0]["n"]) if rows else None
    return int(value) if value else 0


def _stated(store: KnowledgeStore, iri: str, base_iri: str) -> StatedFigure | None:
    a = f"{base_iri}ontology#"
    rows = store.select(
        f"SELECT ?value ?lower ?approx ?date ?text ?source ?measure WHERE {{ "
        f"<{iri}> <{RDF}value> ?value . OPTIONAL {{ <{iri}> <{a}measure> ?measure }} "
        f"OPTIONAL {{ <{iri}> <{a}lowerBound> ?lower }} "
        f"OPTIONAL {{ <{iri}> <{a}approximate> ?approx }} "
        f"OPTIONAL {{ <{iri}> <{DCTERMS}date> ?date }} "
        f"OPTIONAL {{ <{iri}> <{a}statedText> ?text }} "
        f"OPTIONAL {{ <{iri}> <{DCTERMS}source> ?source }} }}"
    )
    if not rows:
        return None
    first = rows[0]
    value = _value(first["value"])
    if value is None:
        return None
    return StatedFigure(
        iri=iri,
        value=int(value),
        lower_bound=_value(first["lower"]) == "true",
        approximate=_value(first["approx"]) == "true",
        date=_value(first["date"]),
        text=_value(first["text"]),
        sources=tuple(sorted({s for r in rows if (s := _value(r["source"])) is not None})),
        measure=_value(first["measure"]),
    )


def coverage(store: KnowledgeStore, base_iri: str) -> list[Coverage]:
    """Every metric of the data that this module can count, in the order of `METRICS`."""
    rows = store.select(
        f"SELECT ?metric ?label ?figure WHERE {{ ?metric a <{DQV}Metric> . "
        f"OPTIONAL {{ ?metric <{SKOS}prefLabel> ?label }} "
        f"OPTIONAL {{ ?metric <{base_iri}ontology#comparedWith> ?figure }} }}"
    )
    described: dict[str, tuple[dict[str, str], str | None]] = {}
    for row in rows:
        iri = _value(row["metric"])
        if iri is None:
            continue
        labels, figure = described.setdefault(iri, ({}, None))
        label = row["label"]
        if isinstance(label, ox.Literal) and label.language:
            labels.setdefault(label.language, label.value)
        if figure is None and (found := _value(row["figure"])) is not None:
            described[iri] = (labels, found)
    out = []
    for metric in METRICS:
        iri = f"{base_iri}id/metric/{metric.slug}"
        if iri not in described:
            continue
        labels, figure = described[iri]
        out.append(
            Coverage(
                metric=iri,
                slug=metric.slug,
                kind=metric.kind,
                recorded=_count(store, metric, base_iri),
                stated=_stated(store, figure, base_iri) if figure else None,
                labels=labels,
            )
        )
    return out


def measurement_triples(
    items: list[Coverage], dataset: str, prefix: str, computed_at: str | None = None
) -> list[ox.Triple]:
    """The coverage as `dqv:QualityMeasurement`s of `dataset`, IRIs `{prefix}coverage-{slug}`.

    `computed_at` (an xsd:date, the release date) becomes the measurement's `dcterms:date`;
    the stated figure is linked with `alliance:comparedWith`.
    """
    node = ox.NamedNode(dataset)
    triples = []
    for item in items:
        m = ox.NamedNode(f"{prefix}coverage-{item.slug}")
        triples += [
            ox.Triple(node, ox.NamedNode(DQV + "hasQualityMeasurement"), m),
            ox.Triple(m, ox.NamedNode(RDF + "type"), ox.NamedNode(DQV + "QualityMeasurement")),
            ox.Triple(m, ox.NamedNode(DQV + "computedOn"), node),
            ox.Triple(m, ox.NamedNode(DQV + "isMeasurementOf"), ox.NamedNode(item.metric)),
            ox.Triple(
                m,
                ox.NamedNode(DQV + "value"),
                ox.Literal(str(item.recorded), datatype=ox.NamedNode(XSD + "integer")),
            ),
        ]
        if computed_at:
            triples.append(
                ox.Triple(
                    m,
                    ox.NamedNode(DCTERMS + "date"),
                    ox.Literal(computed_at, datatype=ox.NamedNode(XSD + "date")),
                )
            )
        if item.stated is not None:
            ontology = item.metric.split("id/metric/")[0] + "ontology#"
            triples.append(
                ox.Triple(m, ox.NamedNode(ontology + "comparedWith"), ox.NamedNode(item.stated.iri))
            )
    return triples
