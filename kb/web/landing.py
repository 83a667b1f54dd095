"""The landing page `/`: the Alliance, its figures, the map of Europe, the prizes."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kb.publish.citation import dataset_citation
from kb.web.context import KnowledgeBase
from kb.web.europe_map import EuropeMap, load_europe_map
from kb.web.pages import (
    KB,
    NODE_MODULES,
    ORG,
    Cell,
    Page,
    group_by,
    labels_of,
    pick,
    records_by_kind,
    sparql_iri,
    term_int,
    term_text,
)
from kb.web.record_lists import current_coverage
from kb.web.record_view import DCTERMS, RDF, SKOS, View, describe, human_date, local_name

router = APIRouter()

WORLD_ATLAS = NODE_MODULES / "world-atlas" / "countries-50m.json"


def coverage_rows(kb: KnowledgeBase, page: Page) -> list[dict[str, Any]]:
    """The coverage (kb.publish.coverage): each metric's live count next to the stated figures."""
    figures = stated_figures(kb, page)
    rows = []
    for item in current_coverage(kb):
        stated = item.stated
        measure = local_name(stated.measure) if stated and stated.measure else ""
        rows.append(
            {
                "slug": item.slug,
                "kind": item.kind,
                "label": item.label(page.lang),
                "recorded": item.recorded,
                "stated_href": page.href(stated.iri) if stated else "",
                "figures": figures.get(measure, []) if measure else [],
            }
        )
    return rows


def stated_figures(kb: KnowledgeBase, page: Page) -> dict[str, list[dict[str, Any]]]:
    """The published figures by measure (the measure concept's local name), latest first."""
    a = kb.settings.ontology_ns
    rows = kb.store.select(
        "SELECT ?f ?value ?measure ?date ?lower ?approx ?text ?about WHERE { "
        f"?f a <{a}StatedFigure> ; <{RDF}value> ?value ; <{a}measure> ?measure . "
        f"OPTIONAL {{ ?f <{DCTERMS}date> ?date }} "
        f"OPTIONAL {{ ?f <{a}lowerBound> ?lower }} OPTIONAL {{ ?f <{a}statedText> ?text }} "
        f"OPTIONAL {{ ?f <{a}approximate> ?approx }} "
        f"OPTIONAL {{ ?f <{a}about> ?about }} }}"
    )
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f, group in group_by(rows, "f").items():
        r = group[0]
        out[local_name(term_text(r["measure"]))].append(
            {
                "href": page.href(f),
                "value": term_int(r["value"]),
                "date_raw": term_text(r["date"]),
                "date": human_date(r["date"], page.lang) if r["date"] else "",
                "lower": term_text(r["lower"]) == "true",
                "approximate": term_text(r["approx"]) == "true",
                "text": pick(group, "text", page.lang),
            }
        )
    for figures in out.values():
        figures.sort(key=lambda x: (x["date_raw"] or "0", x["value"] or 0, x["href"]), reverse=True)
    return out


def map_counts(kb: KnowledgeBase) -> dict[str, dict[str, int]]:
    """Per country code (alpha-3): authorities that participate, won a prize, signed."""
    a = kb.settings.ontology_ns
    alliance_org = sparql_iri(kb.settings.record_iri("organisation", "alliance"))
    layers = {
        "participants": f"?m <{ORG}organization> {alliance_org} ; <{ORG}member> ?x .",
        "laureates": f"?w <{a}laureate> ?x .",
        "signatories": f"?s <{a}onBehalfOf> ?x .",
    }
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(layers, 0))
    for layer, where in layers.items():
        rows = kb.store.select(
            f"SELECT ?c (COUNT(DISTINCT ?x) AS ?n) "
            f"WHERE {{ {where} ?x <{a}country> ?c }} GROUP BY ?c"
        )
        for r in rows:
            counts[local_name(term_text(r["c"])).upper()][layer] = term_int(r["n"]) or 0
    return dict(counts)


def awards_by_edition(kb: KnowledgeBase, page: Page) -> list[dict[str, Any]]:
    a = kb.settings.ontology_ns
    rows = kb.store.select(
        f"SELECT ?e ?number ?year (COUNT(DISTINCT ?w) AS ?n) WHERE {{ ?w <{a}edition> ?e . "
        f"OPTIONAL {{ ?e <{a}editionNumber> ?number }} OPTIONAL {{ ?e <{a}labelYear> ?year }} }} "
        f"GROUP BY ?e ?number ?year"
    )
    names = labels_of(kb.store, [r["e"] for r in rows], page.lang)
    bars = [
        {
            "href": page.href(r["e"]),
            "name": names.get(term_text(r["e"]), ""),
            "number": term_int(r["number"]),
            "year": term_text(r["year"]),
            "count": term_int(r["n"]) or 0,
        }
        for r in rows
    ]
    bars.sort(key=lambda b: (b["number"] is None, b["number"] or 0, b["year"]))
    for b in bars:
        b["short"] = (
            f"{b['number']} ({b['year']})" if b["number"] and b["year"] else b["year"] or b["name"]
        )
    return bars


def choropleth(
    europe: EuropeMap | None, counts: dict[str, dict[str, int]], names: dict[str, str]
) -> list[dict[str, Any]]:
    if europe is None:
        return []
    maxima = {
        layer: max([c[layer] for c in counts.values()] or [0])
        for layer in ("participants", "laureates", "signatories")
    }
    shapes = []
    for shape in europe.shapes:
        c = counts.get(shape.code or "", {})
        shapes.append(
            {
                "code": shape.code or "",
                "name": names.get(shape.code or "", shape.name),
                "d": shape.d,
                "counts": {layer: c.get(layer, 0) for layer in maxima},
                "bins": {layer: _bin(c.get(layer, 0), m) for layer, m in maxima.items()},
            }
        )
    return shapes


def _bin(value: int, maximum: int) -> int:
    """Colour class 0 (none) to 4 (the most)."""
    if value <= 0 or maximum <= 0:
        return 0
    return min(4, max(1, math.ceil(4 * value / maximum)))


def ordered_concepts(kb: KnowledgeBase, page: Page, subject: str, prop: str) -> list[Cell]:
    """The concepts `subject` links to by `prop`, in the order of their skos:notation."""
    rows = kb.store.select(
        f"SELECT ?c ?n WHERE {{ {sparql_iri(subject)} {sparql_iri(prop)} ?c . "
        f"OPTIONAL {{ ?c <{SKOS}notation> ?n }} }}"
    )
    names = labels_of(kb.store, [r["c"] for r in rows], page.lang)
    rows.sort(key=lambda r: (term_text(r["n"]).zfill(4), names.get(term_text(r["c"]), "")))
    return [Cell(names.get(term_text(r["c"]), ""), page.href(r["c"])) for r in rows]


@router.get("/", include_in_schema=False)
def landing(request: Request, kb: KB) -> Response:
    page = Page(request, kb.settings)
    alliance_iri = kb.settings.record_iri("organisation", "alliance")
    alliance = View(alliance_iri, page.lang, describe(kb.store, alliance_iri))
    a = kb.settings.ontology_ns
    counts = map_counts(kb)
    countries = kb.store.select(
        f"SELECT ?c ?code WHERE {{ ?c a <{a}Country> . "
        f"OPTIONAL {{ ?c <{DCTERMS}identifier> ?code }} }}"
    )
    country_names = labels_of(kb.store, [r["c"] for r in countries], page.lang)
    names_by_code = {
        local_name(term_text(r["c"])).upper(): country_names.get(term_text(r["c"]), "")
        for r in countries
    }
    country_rows = sorted(
        (
            {
                "code": code,
                "name": names_by_code.get(code, code),
                "href": f"/id/country/{code}",
                **c,
            }
            for code, c in counts.items()
        ),
        key=lambda x: str(x["name"]),
    )
    europe = load_europe_map(WORLD_ATLAS)
    bars = awards_by_edition(kb, page)
    kinds = sorted((k, len(v)) for k, v in records_by_kind(kb).items())
    return page.render(
        "landing.html",
        alliance=alliance,
        objectives=ordered_concepts(kb, page, alliance_iri, a + "objective"),
        lines=ordered_concepts(kb, page, alliance_iri, a + "lineOfAction"),
        coverage=coverage_rows(kb, page),
        europe=europe,
        shapes=choropleth(europe, counts, names_by_code),
        country_rows=country_rows,
        bars=bars,
        bar_max=max([b["count"] for b in bars] or [1]),
        kinds=kinds,
        citation=dataset_citation(kb.store, kb.settings),
        jsonld={
            "@context": "https://schema.org",
            "@type": "Dataset",
            "name": page.t("site_title"),
            "description": page.t("landing_intro"),
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "inLanguage": ["en", "fr"],
        },
    )
