"""`/id/{kind}/`: the records of one kind as a table, filtered by facets, for people and
scripts.

Each kind has the columns that matter for it (`COLUMNS`); the columns marked as facets
filter the list by query parameters (`?country=GRC&theme=housing`; a parameter given
twice keeps records with either value; `none` keeps records without a value), and each
value is shown with the number of records it would give, counting the other facets'
filters. `q=` keeps the records the full-text search finds. `sort=` a column (`-` for
descending), `page=` and `size=` page the table. HTML for browsers; JSON and CSV by
`Accept`, `?format=`, or the suffix (`/id/authority.csv`, `/id/authority.json`), with the
same filters (JSON is paged like the page, CSV holds every matching record).

Every list says how many records it holds and, where the data has a coverage metric for
the kind (`kb.publish.coverage`, W3C DQV), the live count next to the figure a source
states ("14 participants recorded; the source states about 130"), so nobody mistakes the
records for the whole.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from kb.namespaces import DCAT, DCTERMS, ORG, RDF, SCHEMA, SKOS
from kb.publish.coverage import Coverage, coverage
from kb.web.context import KnowledgeBase
from kb.web.errors import error_response
from kb.web.pages import (
    KB,
    Page,
    not_acceptable,
    not_found,
    term_text,
)
from kb.web.record_view import LABEL_PROPERTIES, best_literal, human_date, local_name
from kb.web.records import CONCEPT_KINDS
from kb.web.search_page import search_index
from kb.web.table_formats import CSV, JSON, TABLE_FORMATS, choose_format, csv_response
from kb.web.table_formats import json_response as json_answer

router = APIRouter()

PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
NONE = "none"  # the facet value of records without one
#: Values of a facet listed on the page (the most frequent; JSON gives them all).
FACET_VALUES_SHOWN = 25


@dataclass(frozen=True)
class Column:
    """A column of a list: a SPARQL pattern binding `?v` for the record `?r`.

    `{a}` in the pattern is the ontology's namespace, `{alliance}` the Alliance's IRI.
    `kind` says what `?v` is: "iri" (shown by its label, filtered by its local name),
    "text" (a literal in the reader's language), "year" (the year of a date), "date",
    "number", or "flag" (yes for the records the pattern matches, binding no `?v`; no for
    the others).
    """

    key: str
    label: str  # i18n key
    pattern: str
    kind: str = "iri"
    facet: bool = False


def _c(key: str, label: str, pattern: str, kind: str = "iri", facet: bool = False) -> Column:
    return Column(key, label, pattern, kind, facet)


_MEMBER_OF_ALLIANCE = f"?m <{ORG}member> ?r ; <{ORG}organization> {{alliance}} ."
_COUNTRY = _c("country", "country", "?r <{a}country> ?v .", facet=True)

#: The columns of each kind's list (the name column comes first on every list).
COLUMNS: dict[str, tuple[Column, ...]] = {
    "authority": (
        _COUNTRY,
        _c(
            "type",
            "type",
            "?r a ?v . FILTER(?v IN (<{a}Municipality>, <{a}Region>))",
            facet=True,
        ),
        _c(
            "member",
            "facet_member",
            _MEMBER_OF_ALLIANCE,
            "flag",
            True,
        ),
        _c(
            "signed",
            "facet_signed",
            "?s <{a}onBehalfOf> ?r ; <{a}signedDocument> {declaration} .",
            "flag",
            True,
        ),
        _c("laureate", "facet_laureate", "?w <{a}laureate> ?r .", "flag", True),
    ),
    "membership": (
        _c("member", "member", f"?r <{ORG}member> ?v ."),
        _c("country", "country", f"?r <{ORG}member>/<{{a}}country> ?v .", facet=True),
        _c("year", "year", f"?r <{SCHEMA}startDate> ?v .", "year", True),
        _c("since", "participant_since", f"?r <{SCHEMA}startDate> ?v .", "date"),
        _c("number", "participant_number", "?r <{a}participantNumber> ?v .", "number"),
    ),
    "award": (
        _c("laureate", "laureate", "?r <{a}laureate> ?v ."),
        _c("country", "country", "?r <{a}laureate>/<{a}country> ?v .", facet=True),
        _c("edition", "edition", "?r <{a}edition> ?v .", facet=True),
        _c("year", "year", "?r <{a}edition>/<{a}labelYear> ?v .", "year", True),
        _c("rank", "rank", "?r <{a}rank> ?v .", "number", True),
        _c("project", "project", "?r <{a}awardedFor> ?v .", "text"),
    ),
    "signature": (
        _c("authority", "authority", "?r <{a}onBehalfOf> ?v ."),
        _c("country", "country", "?r <{a}onBehalfOf>/<{a}country> ?v .", facet=True),
        _c("document", "document", "?r <{a}signedDocument> ?v .", facet=True),
        _c("year", "year", f"?r <{DCTERMS}date> ?v .", "year", True),
        _c("date", "date", f"?r <{DCTERMS}date> ?v .", "date"),
        _c("signatory", "signatory", "?r <{a}signatory> ?v ."),
    ),
    "practice": (
        _c("authority", "authority", "?r <{a}implementedBy> ?v ."),
        _c("country", "country", "?r <{a}implementedBy>/<{a}country> ?v .", facet=True),
        _c("theme", "theme", f"?r <{DCAT}theme> ?v .", facet=True),
        _c("maturity", "maturity", "?r <{a}maturityLevel> ?v .", facet=True),
        _c("group", "target_group", "?r <{a}targetGroup> ?v .", facet=True),
        _c("year", "year", f"?r <{SCHEMA}startDate> ?v .", "year", True),
        _c("start", "start_date", f"?r <{SCHEMA}startDate> ?v .", "date"),
        _c("end", "end_date", f"?r <{SCHEMA}endDate> ?v .", "date"),
        _c("source", "sources", f"?r <{DCTERMS}source> ?v ."),
    ),
    "prize-edition": (
        _c("number", "edition", "?r <{a}editionNumber> ?v .", "number"),
        _c("year", "year", "?r <{a}labelYear> ?v .", "year", True),
        _c("ceremony", "ceremony", "?r <{a}ceremonyDate> ?v .", "date"),
    ),
    "event": (
        _c("year", "year", f"?r <{SCHEMA}startDate> ?v .", "year", True),
        _c("date", "date", f"?r <{SCHEMA}startDate> ?v .", "date"),
        _c("place", "place", f"?r <{SCHEMA}location> ?v .", "text"),
    ),
    "document": (
        _c("year", "year", f"?r <{DCTERMS}issued> ?v .", "year", True),
        _c("issued", "date", f"?r <{DCTERMS}issued> ?v .", "date"),
    ),
    "figure": (
        _c("value", "value", f"?r <{RDF}value> ?v .", "number"),
        _c("measure", "measure", "?r <{a}measure> ?v .", facet=True),
        _c("year", "year", f"?r <{DCTERMS}date> ?v .", "year", True),
        _c("date", "date", f"?r <{DCTERMS}date> ?v .", "date"),
    ),
    "country": (
        _c("code", "identifier", f"?r <{DCTERMS}identifier> ?v .", "text"),
        _c("accession", "accession", "?r <{a}accessionDate> ?v .", "date"),
    ),
    "source": (_c("year", "year", f"?r <{DCTERMS}issued> ?v .", "year", True),),
}
#: The SKOS concepts' lists: their vocabulary.
SCHEME = _c("scheme", "vocabulary", f"?r <{SKOS}inScheme> ?v .", facet=True)


@dataclass
class Cell:
    """One value in a list: what is shown, the facet value, and a link where there is one."""

    text: str
    value: str
    href: str = ""
    iri: str = ""
    sort: str = ""


@dataclass
class Row:
    iri: str
    href: str
    name: str
    cells: dict[str, list[Cell]] = field(default_factory=dict)


# -- reading the records --------------------------------------------------------------------


def _pattern(kb: KnowledgeBase, column: Column) -> str:
    return (
        column.pattern.replace("{a}", kb.settings.ontology_ns)
        .replace("{alliance}", f"<{kb.settings.record_iri('organisation', 'alliance')}>")
        .replace(
            "{declaration}",
            f"<{kb.settings.record_iri('document', 'declaration-against-anti-gypsyism')}>",
        )
    )


_ROWS_KEPT = 16
_rows_cache: OrderedDict[tuple[int, int, str, str], list[Row]] = OrderedDict()
_rows_lock = threading.Lock()


def cached_rows(kb: KnowledgeBase, page: Page, kind: str) -> list[Row]:
    """The rows of a kind in the page's language, read once per state of the store (its
    `generation`, bumped by every commit): filtering, sorting and paging then cost little
    even at a million triples. Empty when the knowledge base has no record of the kind."""
    key = (id(kb.store), int(getattr(kb.store, "generation", 0)), kind, page.lang)
    with _rows_lock:
        if key in _rows_cache:
            _rows_cache.move_to_end(key)
            return _rows_cache[key]
    iris = record_iris(kb, kind)
    rows = read_rows(kb, page, kind, iris) if iris else []
    with _rows_lock:
        _rows_cache[key] = rows
        while len(_rows_cache) > _ROWS_KEPT:
            _rows_cache.popitem(last=False)
    return rows


def record_iris(kb: KnowledgeBase, kind: str) -> list[str]:
    """The records of one kind: typed subjects `{base}id/{kind}/{slug}` (not the nodes a
    record owns, `{slug}#name`: its statements and contested facts)."""
    prefix = f"{kb.settings.base_iri}id/{kind}/"
    found = kb.store.select(
        f"SELECT DISTINCT ?s WHERE {{ ?s a ?type . "
        f"FILTER(STRSTARTS(STR(?s), {json.dumps(prefix, ensure_ascii=False)})) }}"
    )
    iris = (term_text(r["s"]) for r in found)
    return sorted(
        i for i in iris if not {"/", "#"} & set(i[len(prefix) :]) and len(i) > len(prefix)
    )


def read_rows(kb: KnowledgeBase, page: Page, kind: str, iris: list[str]) -> list[Row]:
    """Every record of `iris` with the values of its kind's columns.

    One query per column over the records of the kind (selected by their IRIs' prefix,
    with the names of linked records read in the same query): a VALUES clause of
    thousands of IRIs is far slower in Oxigraph.
    """
    columns = columns_of(kind)
    prefix = json.dumps(f"{kb.settings.base_iri}id/{kind}/", ensure_ascii=False)
    label_props = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    named: dict[str, list[Any]] = defaultdict(list)
    for r in kb.store.select(
        f"SELECT ?r ?l WHERE {{ VALUES ?p {{ {label_props} }} ?r ?p ?l "
        f"FILTER(STRSTARTS(STR(?r), {prefix})) }}"
    ):
        named[term_text(r["r"])].append(r["l"])
    rows = {i: Row(i, page.href(i), _best(named.get(i), page.lang) or local_name(i)) for i in iris}
    value_names: dict[str, list[Any]] = defaultdict(list)
    for column in columns:
        if column.kind == "flag":
            query = (
                f"SELECT DISTINCT ?r WHERE {{ {_pattern(kb, column)} "
                f"FILTER(STRSTARTS(STR(?r), {prefix})) }}"
            )
            yes = {term_text(r["r"]) for r in kb.store.select(query)}
            for iri, row in rows.items():
                row.cells[column.key] = [
                    Cell(page.t("yes"), "yes", sort="1")
                    if iri in yes
                    else Cell(page.t("no"), "no", sort="0")
                ]
            continue
        names = (
            f"OPTIONAL {{ VALUES ?vp {{ {label_props} }} ?v ?vp ?vl }}"
            if column.kind == "iri"
            else ""
        )
        query = (
            f"SELECT ?r ?v ?vl WHERE {{ ?r a ?type . FILTER(STRSTARTS(STR(?r), {prefix})) "
            f"{_pattern(kb, column)} {names} }}"
        )
        by_record: dict[str, list[Any]] = defaultdict(list)
        for r in kb.store.select(query):
            v = r["v"]
            if v is None:
                continue
            by_record[term_text(r["r"])].append(v)
            if r.get("vl") is not None:
                value_names[term_text(v)].append(r["vl"])
        best_names = {iri: _best(lits, page.lang) for iri, lits in value_names.items()}
        for iri, values in by_record.items():
            if iri in rows:
                rows[iri].cells[column.key] = _cells(column, values, best_names, page)
    for iri, row in rows.items():
        if not named.get(iri):
            row.name = name_from_links(kind, row) or row.name
    return list(rows.values())


#: Records without a name of their own (awards, signatures, memberships) are named by the
#: records they link, as their pages' headings are (`kb.web.records.title_for`).
NAMED_BY_COLUMNS = {
    "membership": ("member",),
    "award": ("laureate", "edition"),
    "signature": ("authority", "document"),
}


def name_from_links(kind: str, row: Row) -> str:
    """ "Ghent · Dosta! Congress Prize, 5th edition (2010)" for a record without a name."""
    parts = (row.cells.get(key) for key in NAMED_BY_COLUMNS.get(kind, ()))
    return " · ".join(cells[0].text for cells in parts if cells)


def _best(literals: list[Any] | None, lang: str) -> str:
    """The name in `lang` among literals of the label properties (best property not kept:
    records have one name property each)."""
    lits = [x for x in literals or [] if isinstance(x, ox.Literal)]
    best = best_literal(lits, lang)
    return best.value if best else ""


def _cells(column: Column, values: list[Any], names: dict[str, str], page: Page) -> list[Cell]:
    """The values of one column of a record, as cells (links named in the page's language)."""
    if column.kind == "text":
        lits = [v for v in values if isinstance(v, ox.Literal)]
        best = best_literal(lits, page.lang)
        return [Cell(best.value, best.value, sort=best.value.casefold())] if best else []
    out = []
    for v in values:
        if isinstance(v, ox.NamedNode):
            name = names.get(v.value) or local_name(v.value)
            out.append(Cell(name, local_name(v.value), page.href(v), v.value, name.casefold()))
        elif isinstance(v, ox.Literal):
            text = v.value
            if column.kind == "year":
                out.append(Cell(text[:4], text[:4], sort=text[:4]))
            elif column.kind == "date":
                out.append(Cell(human_date(v, page.lang), text, sort=text))
            elif column.kind == "number":
                out.append(Cell(text, text, sort=text.zfill(12)))
            else:
                out.append(Cell(text, text, sort=text.casefold()))
    unique = {(c.value, c.text): c for c in out}
    return sorted(unique.values(), key=lambda c: c.sort)


def columns_of(kind: str) -> tuple[Column, ...]:
    if kind in CONCEPT_KINDS:
        return (SCHEME,)
    return COLUMNS.get(kind, ())


# -- filtering, counting, sorting -----------------------------------------------------------


def selected_filters(request: Request, columns: Iterable[Column]) -> dict[str, set[str]]:
    params = request.query_params
    return {c.key: set(params.getlist(c.key)) for c in columns if c.facet and params.getlist(c.key)}


def _keeps(row: Row, key: str, wanted: set[str]) -> bool:
    values = {c.value for c in row.cells.get(key, [])} or {NONE}
    return bool(values & wanted)


def apply_filters(rows: list[Row], filters: dict[str, set[str]]) -> list[Row]:
    return [r for r in rows if all(_keeps(r, k, w) for k, w in filters.items())]


def facet_counts(
    rows: list[Row], columns: Iterable[Column], filters: dict[str, set[str]], page: Page
) -> list[dict[str, Any]]:
    """Each facet's values, with the number of records each gives under the other filters."""
    out = []
    for column in columns:
        if not column.facet:
            continue
        others = {k: w for k, w in filters.items() if k != column.key}
        counts: dict[str, int] = defaultdict(int)
        texts: dict[str, Cell] = {}
        for row in apply_filters(rows, others):
            cells = row.cells.get(column.key) or [Cell(page.t("not_stated"), NONE, sort="~")]
            for c in {c.value: c for c in cells}.values():
                counts[c.value] += 1
                texts[c.value] = c
        chosen = filters.get(column.key, set())
        values: list[dict[str, Any]] = [
            {
                "value": v,
                "text": texts[v].text,
                "count": n,
                "selected": v in chosen,
                "href": toggle_url(page, column.key, v),
            }
            for v, n in counts.items()
        ]
        if column.kind in ("year", "number"):
            values.sort(key=lambda x: (x["value"] == NONE, str(x["value"]).zfill(12)))
        else:
            values.sort(
                key=lambda x: (x["value"] == NONE, -int(x["count"]), str(x["text"]).casefold())
            )
        shown = values[:FACET_VALUES_SHOWN] + [
            v for v in values[FACET_VALUES_SHOWN:] if v["selected"]
        ]
        out.append(
            {
                "key": column.key,
                "label": page.t(column.label),
                "values": values,
                "shown": shown,
                "more": len(values) - len(shown),
            }
        )
    return out


def toggle_url(page: Page, key: str, value: str) -> str:
    """This list with `key=value` added to the filters, or taken away if it is there."""
    params = [(k, v) for k, v in page.request.query_params.multi_items() if k not in ("page",)]
    if (key, value) in params:
        params.remove((key, value))
    else:
        params.append((key, value))
    return f"{page.path}?{urlencode(params)}" if params else page.path


def sort_rows(rows: list[Row], sort: str, columns: Iterable[Column]) -> list[Row]:
    key = sort.lstrip("-")
    reverse = sort.startswith("-")
    known = {c.key for c in columns}

    def order(row: Row) -> tuple[Any, ...]:
        if key in known:
            cells = row.cells.get(key)
            # records without a value last, whichever the direction
            missing = not cells
            value = cells[0].sort if cells else ""
            return (missing != reverse, value, row.name.casefold())
        return (row.name.casefold(), row.iri)

    return sorted(rows, key=order, reverse=reverse)


# -- coverage -------------------------------------------------------------------------------


#: Lists that also show the metrics of other kinds: a researcher looking at the cities and
#: regions (or the countries) asks how many of the Alliance's participants and of the
#: Declaration's signatories are recorded, which the memberships and signatures count.
RELATED_METRIC_KINDS = {
    "authority": ("membership", "signature"),
    "country": ("membership", "signature"),
}


_coverage_cache: dict[tuple[int, int], list[Coverage]] = {}
_coverage_lock = threading.Lock()


def current_coverage(kb: KnowledgeBase) -> list[Coverage]:
    """`kb.publish.coverage.coverage` of the store as it is, counted once per state of the
    store (its `generation`, bumped by every commit): the lists and the landing page show
    it on every request, and the counts take 0.6 s at a million triples."""
    key = (id(kb.store), int(getattr(kb.store, "generation", 0)))
    with _coverage_lock:
        if key in _coverage_cache:
            return _coverage_cache[key]
    counted = coverage(kb.store, kb.settings.base_iri)
    with _coverage_lock:
        _coverage_cache.clear()
        _coverage_cache[key] = counted
    return counted


def coverage_note(kb: KnowledgeBase, page: Page, kind: str, rows: list[Row]) -> dict[str, Any]:
    """How many records the list holds, and each coverage metric of this kind or of a
    related one (`kb.publish.coverage`): the live count next to the figure a source
    states."""
    kinds = (kind, *RELATED_METRIC_KINDS.get(kind, ()))
    metrics = []
    for item in current_coverage(kb):
        stated = item.stated
        if item.kind not in kinds or (stated is None and item.recorded == len(rows)):
            continue  # another kind's, or only the number of records said again
        metrics.append(
            {
                "label": item.label(page.lang),
                "recorded": item.recorded,
                "stated": None
                if stated is None
                else {
                    "value": stated.value,
                    "lower": stated.lower_bound,
                    "approximate": stated.approximate,
                    "date": human_date(stated.date, page.lang) if stated.date else "",
                    "href": page.href(stated.iri),
                },
            }
        )
    return {"records": len(rows), "metrics": metrics}


# -- the route --------------------------------------------------------------------------------


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value))) if value else default
    except ValueError:
        return default


@router.api_route("/id/{kind}/", methods=["GET", "HEAD"], include_in_schema=True)
def record_list(kind: str, request: Request, kb: KB) -> Response:
    """The records of one kind, filtered by facet parameters: HTML, JSON or CSV."""
    return _list(kind, "", request, kb)


@router.api_route("/id/{kind}.{suffix}", methods=["GET", "HEAD"], include_in_schema=False)
def record_list_as(kind: str, suffix: str, request: Request, kb: KB) -> Response:
    """`/id/authority.csv`, `/id/authority.json`: the list in one format."""
    if suffix not in ("csv", "json"):
        return not_found(request, kb, request.url.path)
    return _list(kind, "." + suffix, request, kb)


def _list(kind: str, suffix: str, request: Request, kb: KnowledgeBase) -> Response:
    fmt = choose_format(request, suffix)
    page = Page(request, kb.settings)
    all_rows = cached_rows(kb, page, kind)
    if not all_rows:
        return not_found(request, kb, f"/id/{kind}/")
    if fmt is None:
        return not_acceptable(TABLE_FORMATS)
    columns = columns_of(kind)
    unknown = [
        k
        for k in request.query_params
        if k not in {c.key for c in columns if c.facet}
        and k not in ("q", "sort", "page", "size", "format", "lang")
    ]
    if unknown:
        known = ", ".join(c.key for c in columns if c.facet) or "none"
        return error_response(
            request,
            400,
            "Bad Request",
            f"unknown filter {unknown[0]!r} for /id/{kind}/ (filters of this list: {known})",
        )
    rows = list(all_rows)
    filters = selected_filters(request, columns)
    q = request.query_params.get("q", "").strip()
    kept = apply_filters(rows, filters)
    if q:
        index = search_index(request)
        if index is not None:
            found = {h.iri for h in index.search(q, kind=kind, limit=100_000).hits}
            kept = [r for r in kept if r.iri in found]
            rows = [r for r in rows if r.iri in found]
    sort = request.query_params.get("sort", "name")
    kept = sort_rows(kept, sort, columns)
    size = _int(request.query_params.get("size"), PAGE_SIZE, 1, MAX_PAGE_SIZE)
    last = max(1, -(-len(kept) // size))
    number = _int(request.query_params.get("page"), 1, 1, last)
    shown = kept[(number - 1) * size : number * size]
    headers = {"Vary": "Accept", "Link": _links(kind)}
    if fmt is CSV:
        return csv_response(*_csv_table(kept, columns), f"{kind}.csv", headers=headers)
    if fmt is JSON:
        return json_answer(
            {
                "kind": kind,
                "total": len(kept),
                "page": number,
                "size": size,
                "pages": last,
                "filters": {k: sorted(v) for k, v in filters.items()},
                "facets": {
                    f["key"]: {v["value"]: v["count"] for v in f["values"]}
                    for f in facet_counts(rows, columns, filters, page)
                },
                "records": [_json_row(r, columns) for r in shown],
            },
            headers=headers,
        )
    return page.render(
        "list.html",
        headers=headers,
        title=page.t("kind_" + kind),
        kind=kind,
        columns=columns,
        rows=shown,
        total=len(kept),
        facets=facet_counts(rows, columns, filters, page),
        filters=filters,
        q=q,
        sort=sort,
        sort_url=lambda key: _sort_url(page, key, sort),
        pages={
            "number": number,
            "last": last,
            "previous": _page_url(page, number - 1) if number > 1 else "",
            "next": _page_url(page, number + 1) if number < last else "",
        },
        coverage=coverage_note(kb, page, kind, rows),
        formats=[
            ("CSV", _format_url(page, kind, "csv")),
            ("JSON", _format_url(page, kind, "json")),
        ],
    )


def _links(kind: str) -> str:
    return (
        f'</id/{kind}.csv>; rel="alternate"; type="text/csv", '
        f'</id/{kind}.json>; rel="alternate"; type="application/json"'
    )


def _query_without(page: Page, *drop: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in page.request.query_params.multi_items() if k not in drop]


def _sort_url(page: Page, key: str, current: str) -> str:
    direction = f"-{key}" if current == key else key
    return f"{page.path}?{urlencode([*_query_without(page, 'sort', 'page'), ('sort', direction)])}"


def _page_url(page: Page, number: int) -> str:
    return f"{page.path}?{urlencode([*_query_without(page, 'page'), ('page', str(number))])}"


def _format_url(page: Page, kind: str, suffix: str) -> str:
    params = _query_without(page, "page", "size", "format", "lang")
    return f"/id/{kind}.{suffix}" + (f"?{urlencode(params)}" if params else "")


def _json_row(row: Row, columns: Iterable[Column]) -> dict[str, Any]:
    out: dict[str, Any] = {"iri": row.iri, "label": row.name}
    for column in columns:
        cells = row.cells.get(column.key, [])
        out[column.key] = [{"iri": c.iri, "label": c.text} if c.iri else c.value for c in cells]
    return out


def _csv_table(rows: list[Row], columns: Iterable[Column]) -> tuple[list[str], list[list[str]]]:
    columns = list(columns)
    header = ["iri", "label"]
    for c in columns:
        header.append(c.key)
        if c.kind == "iri":
            header.append(f"{c.key}_iri")
    table = []
    for row in rows:
        line = [row.iri, row.name]
        for c in columns:
            cells = row.cells.get(c.key, [])
            line.append(" | ".join(x.value if c.kind in ("date",) else x.text for x in cells))
            if c.kind == "iri":
                line.append(" | ".join(x.iri for x in cells))
        table.append(line)
    return header, table
