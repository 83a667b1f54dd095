"""Pages for people and linked data for machines: `/`, `/id/...`, `/ontology`, `/validate`.

Every record IRI `{base}id/{kind}/{slug}` dereferences here as `/id/{kind}/{slug}`:
HTML (one Jinja2 template per kind) for browsers, Turtle, JSON-LD, N-Triples or
RDF/XML by `Accept` or by suffix. Pages are in English or French (query parameter
`lang`, then the `lang` cookie the switch sets, then `Accept-Language`). Every asset
is served by this app (`/static/...`), including the query editor (YASGUI) and the
country shapes, installed from npm by `make web-assets`.

The query editor itself is answered by the SPARQL endpoint (`kb/http/sparql.py`),
which calls `render_query_editor` for browsers.
"""

from __future__ import annotations

import json
import math
import re
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb import i18n
from kb.config import PROJECT_ROOT, Settings
from kb.describe import (
    DCTERMS,
    FORMAT_BY_KEY,
    FORMAT_BY_SUFFIX,
    FORMATS,
    LABEL_PROPERTIES,
    OWL,
    RDF,
    RDFS,
    SKOS,
    Format,
    View,
    best_literal,
    describe,
    human_date,
    local_name,
    negotiate,
    serialize,
)
from kb.http.context import KnowledgeBase, get_kb
from kb.http.errors import wants_html
from kb.http.europe_map import EuropeMap, load_europe_map
from kb.store import KnowledgeStore, Row

router = APIRouter()
KB = Annotated[KnowledgeBase, Depends(get_kb)]

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
NODE_MODULES = PROJECT_ROOT / "node_modules"
#: Files of npm packages the app serves, by public name under /static/vendor/.
VENDOR_FILES = {
    "yasgui/yasgui.min.js": "@zazuko/yasgui/build/yasgui.min.js",
    "yasgui/yasgui.min.css": "@zazuko/yasgui/build/yasgui.min.css",
}
WORLD_ATLAS = NODE_MODULES / "world-atlas" / "countries-50m.json"

ORG = "http://www.w3.org/ns/org#"
SCHEMA = "http://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"

#: Templates by kind of record; the SKOS concept kinds share `concept.html`.
CONCEPT_KINDS = {
    "theme",
    "maturity",
    "group",
    "objective",
    "line-of-action",
    "role",
    "measure",
}
TEMPLATE_KINDS = {
    "authority",
    "membership",
    "country",
    "prize",
    "prize-edition",
    "award",
    "document",
    "signature",
    "practice",
    "database",
    "event",
    "person",
    "secondment",
    "post",
    "figure",
    "release",
    "organisation",
    "source",
    "scheme",
}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
)
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


# -- templates ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date"] = human_date
    env.filters["local_name"] = local_name
    env.filters["jsonld"] = _jsonld_script
    return env


def _jsonld_script(data: Any) -> Markup:
    text = json.dumps(data, ensure_ascii=False, indent=1)
    # Inside <script>, "</" would end the element: escape "<" as JSON allows.
    return Markup(text.replace("<", "\\u003c"))


class Page:
    """What every template gets: the language, its words, and how to link a term."""

    def __init__(self, request: Request, settings: Settings) -> None:
        self.request = request
        self.settings = settings
        self.lang = i18n.choose_language(request)
        self.other_lang = "fr" if self.lang == "en" else "en"
        self.path = request.url.path

    def t(self, key: str) -> str:
        return i18n.gettext(key, self.lang)

    def href(self, node: ox.NamedNode | ox.BlankNode | ox.Literal | str | None) -> str:
        """A link for a term: records of this knowledge base as local paths, others as is."""
        if node is None or isinstance(node, ox.BlankNode | ox.Literal):
            return ""
        iri = node if isinstance(node, str) else node.value
        if not iri.startswith(("http://", "https://", "/")):
            return ""  # never a javascript: or data: link from the data
        base = self.settings.base_iri
        if iri.startswith(base + "id/"):
            return "/" + iri[len(base) :]
        if iri.startswith(self.settings.ontology_ns):
            return "/ontology#" + iri[len(self.settings.ontology_ns) :]
        if iri.startswith(base + "ontology"):
            return "/ontology"
        return iri

    def switch_url(self) -> str:
        return f"{self.path}?lang={self.other_lang}"

    def render(
        self, template: str, status: int = 200, headers: dict[str, str] | None = None, **ctx: Any
    ) -> HTMLResponse:
        body = environment().get_template(template).render(page=self, t=self.t, **ctx)
        response = HTMLResponse(body, status_code=status, headers=headers)
        response.headers["Content-Language"] = self.lang
        # The browser itself keeps every page to this app: no request to any other host.
        response.headers.setdefault("Content-Security-Policy", CSP)
        vary = {v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()}
        response.headers["Vary"] = ", ".join(sorted(vary | {"Accept", "Accept-Language", "Cookie"}))
        given = self.request.query_params.get("lang")
        if given in i18n.LANGUAGES:
            response.set_cookie(
                i18n.COOKIE, given, max_age=365 * 24 * 3600, samesite="lax", httponly=True
            )
        return response


# -- reading the store ---------------------------------------------------------------------


def _iri(value: str) -> str:
    return "<" + value.replace(">", "%3E") + ">"


def _str(term: Any) -> str:
    if term is None:
        return ""
    return str(term.value) if hasattr(term, "value") else str(term)


def _int(term: Any) -> int | None:
    try:
        return int(term.value) if term is not None else None
    except (ValueError, AttributeError):
        return None


def labels_of(store: KnowledgeStore, nodes: Iterable[Any], lang: str) -> dict[str, str]:
    """Best label in `lang` of each IRI (by IRI string); the local name when it has none."""
    iris = sorted({n.value if isinstance(n, ox.NamedNode) else str(n) for n in nodes if n})
    iris = [i for i in iris if i and not i.startswith("_:")]
    out: dict[str, str] = {i: local_name(i) for i in iris}
    if not iris:
        return out
    props = " ".join(_iri(p) for p in LABEL_PROPERTIES)
    query = (
        f"SELECT ?s ?p ?l WHERE {{ VALUES ?s {{ {' '.join(_iri(i) for i in iris)} }} "
        f"VALUES ?p {{ {props} }} ?s ?p ?l }}"
    )
    found: dict[str, dict[str, list[ox.Literal]]] = defaultdict(lambda: defaultdict(list))
    for row in store.select(query):
        lit = row["l"]
        if isinstance(lit, ox.Literal):
            found[_str(row["s"])][_str(row["p"])].append(lit)
    for iri, by_prop in found.items():
        for p in LABEL_PROPERTIES:
            best = best_literal(by_prop.get(p, []), lang)
            if best is not None:
                out[iri] = best.value
                break
    return out


def pick(rows: list[Row], var: str, lang: str) -> str:
    """The value of `var` in the language among rows that differ only by it."""
    lits = [r[var] for r in rows if isinstance(r.get(var), ox.Literal)]
    best = best_literal([x for x in lits if isinstance(x, ox.Literal)], lang)
    return best.value if best else ""


_term_labels: weakref.WeakKeyDictionary[Any, dict[str, dict[str, str]]] = (
    weakref.WeakKeyDictionary()
)


def term_labels(kb: KnowledgeBase, lang: str) -> dict[str, str]:
    """Labels of the ontology's terms (for property names on pages), read once per store."""
    try:
        cache = _term_labels.setdefault(kb.store, {})
    except TypeError:  # a store that cannot be weakly referenced: no cache
        cache = {}
    if lang not in cache:
        ns = kb.settings.ontology_ns
        rows = kb.store.select(
            f"SELECT ?t ?l WHERE {{ ?t <{RDFS}label> ?l "
            f"FILTER(STRSTARTS(STR(?t), {json.dumps(ns)})) }}"
        )
        by_term: dict[str, list[ox.Literal]] = defaultdict(list)
        for row in rows:
            if isinstance(row["l"], ox.Literal):
                by_term[_str(row["t"])].append(row["l"])
        cache[lang] = {
            t: lit.value for t, lits in by_term.items() if (lit := best_literal(lits, lang))
        }
    return cache[lang]


_WELL_KNOWN = {
    DCTERMS + "source": ("source", "source"),
    DCTERMS + "description": ("description", "description"),
    DCTERMS + "identifier": ("identifier", "identifiant"),
    DCTERMS + "date": ("date", "date"),
    DCTERMS + "issued": ("issued", "publié"),
    DCTERMS + "creator": ("creator", "auteur"),
    DCTERMS + "isPartOf": ("part of", "fait partie de"),
    DCTERMS + "publisher": ("publisher", "éditeur"),
    DCTERMS + "title": ("title", "titre"),
    SKOS + "prefLabel": ("name", "nom"),
    SKOS + "altLabel": ("also written", "autre graphie"),
    SKOS + "note": ("note", "note"),
    SKOS + "editorialNote": ("editorial note", "note éditoriale"),
    SKOS + "scopeNote": ("scope note", "note d’application"),
    SKOS + "definition": ("definition", "définition"),
    SKOS + "exactMatch": ("same as", "identique à"),
    SKOS + "inScheme": ("vocabulary", "vocabulaire"),
    SKOS + "broader": ("broader", "plus large"),
    SKOS + "narrower": ("narrower", "plus précis"),
    SKOS + "notation": ("notation", "notation"),
    SKOS + "hasTopConcept": ("top concept", "concept de tête"),
    SKOS + "topConceptOf": ("top concept of", "concept de tête de"),
    RDF + "value": ("value", "valeur"),
    RDF + "type": ("type", "type"),
    ORG + "member": ("member", "membre"),
    ORG + "organization": ("organisation", "organisation"),
    ORG + "subOrganizationOf": ("part of", "fait partie de"),
    ORG + "unitOf": ("unit of", "unité de"),
    ORG + "role": ("role", "rôle"),
    ORG + "postIn": ("post in", "poste dans"),
    ORG + "heldBy": ("held by", "occupé par"),
    SCHEMA + "startDate": ("start date", "date de début"),
    SCHEMA + "endDate": ("end date", "date de fin"),
    SCHEMA + "foundingDate": ("founded", "fondée le"),
    SCHEMA + "location": ("place", "lieu"),
    SCHEMA + "organizer": ("organiser", "organisateur"),
    SCHEMA + "superEvent": ("part of", "fait partie de"),
    SCHEMA + "subEvent": ("includes", "comprend"),
    SCHEMA + "contactPoint": ("contact", "contact"),
    SCHEMA + "telephone": ("telephone", "téléphone"),
    SCHEMA + "address": ("address", "adresse"),
    SCHEMA + "position": ("position", "position"),
    FOAF + "name": ("name", "nom"),
    "http://www.w3.org/ns/dcat#theme": ("theme", "thème"),
    "http://www.w3.org/ns/dcat#version": ("version", "version"),
    RDFS + "comment": ("comment", "commentaire"),
}


def property_label(kb: KnowledgeBase, prop: str, lang: str) -> str:
    known = term_labels(kb, lang).get(prop)
    if known:
        return known
    if prop in _WELL_KNOWN:
        en, fr = _WELL_KNOWN[prop]
        return fr if lang == "fr" else en
    name = local_name(prop)
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()


# -- record pages ---------------------------------------------------------------------------


@dataclass
class Cell:
    """One value shown on a page: text, and a link where it names something."""

    text: str
    href: str = ""
    lang: str = ""


def cells(page: Page, view: View, values: Iterable[Any]) -> list[Cell]:
    out = []
    for v in values:
        if isinstance(v, ox.Literal):
            dtype = v.datatype.value if v.datatype else ""
            text = human_date(v, page.lang) if dtype.endswith(HUMAN_DATES) else v.value
            if dtype.endswith("#boolean"):
                text = {"true": "✓", "false": "✗"}.get(v.value, v.value)
            out.append(Cell(text, "", v.language or ""))
        elif isinstance(v, ox.NamedNode):
            out.append(Cell(view.label(v), page.href(v)))
        elif isinstance(v, ox.BlankNode):
            props = view.properties_of(v)
            parts = [
                lit.value
                for values in props.values()
                for lit in values
                if isinstance(lit, ox.Literal)
            ]
            out.append(Cell(", ".join(parts)))
    return out


HUMAN_DATES = ("#date", "#gYearMonth")
#: Shown elsewhere on every page (title, lead paragraph, sources), so not in the table.
_HIDDEN = {
    RDF + "type",
    SKOS + "prefLabel",
    DCTERMS + "title",
    DCTERMS + "source",
    FOAF + "name",
    DCTERMS + "description",
    SKOS + "definition",
}


def property_rows(kb: KnowledgeBase, page: Page, view: View) -> list[tuple[str, list[Cell]]]:
    rows = []
    for prop in sorted(view.own, key=lambda p: property_label(kb, p, page.lang)):
        if prop in _HIDDEN:
            continue
        values = view.own[prop]
        lits = [v for v in values if isinstance(v, ox.Literal)]
        if lits and len(lits) == len(values) and any(v.language for v in lits):
            # The same text in several languages: show the reader's.
            best = best_literal(lits, page.lang)
            values = [best] if best is not None else values
        rows.append((property_label(kb, prop, page.lang), cells(page, view, values)))
    return rows


def inbound_rows(kb: KnowledgeBase, page: Page, view: View) -> list[tuple[str, list[Cell]]]:
    rows = []
    for prop, subjects in sorted(view.inbound.items()):
        named = sorted(
            {s.value: s for s in subjects if isinstance(s, ox.NamedNode)}.values(),
            key=lambda s: view.label(s),
        )
        if named:
            found = cells(page, view, named)
            records = kb.settings.base_iri + "id/"
            for cell, node in zip(found, named, strict=True):
                # a record without a name of its own (a membership, an award): say which kind
                if view.label(node) == local_name(node.value) and node.value.startswith(records):
                    cell.text = node.value[len(records) :]
            rows.append((property_label(kb, prop, page.lang), found))
    return rows


def type_names(kb: KnowledgeBase, page: Page, view: View) -> list[Cell]:
    return [
        Cell(property_label(kb, t, page.lang), page.href(t))
        for t in view.types()
        if t.startswith(kb.settings.ontology_ns) or t.startswith(SKOS)
    ]


def alternate_links(path: str) -> list[tuple[Format, str]]:
    return [(f, f"{path}{f.suffix}") for f in FORMATS]


def link_header(path: str) -> str:
    return ", ".join(f'<{path}{f.suffix}>; rel="alternate"; type="{f.media_type}"' for f in FORMATS)


def split_suffix(name: str) -> tuple[str, Format | None]:
    for suffix, fmt in FORMAT_BY_SUFFIX.items():
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], fmt
    return name, None


def not_found(request: Request, kb: KnowledgeBase, what: str) -> Response:
    if wants_html(request):
        page = Page(request, kb.settings)
        return page.render("404.html", status=404, what=what)
    return JSONResponse(
        {"error": "Not Found", "detail": f"no resource {what} in the knowledge base"},
        status_code=404,
        headers={"Vary": "Accept"},
    )


def render_error_page(request: Request, status: int, error: str, detail: str) -> Response:
    """An error as a page of the site (used by kb.http.errors for browsers)."""
    kb = getattr(request.app.state, "kb", None)
    settings = kb.settings if kb is not None else Settings()
    page = Page(request, settings)
    if status == 404:
        return page.render("404.html", status=404, what=request.url.path, title="404")
    return page.render(
        "error.html", status=status, error=error, detail=detail, title=f"{status} {error}"
    )


def not_acceptable(offered: Iterable[Format]) -> Response:
    return JSONResponse(
        {
            "error": "Not Acceptable",
            "detail": "available: " + ", ".join(f.media_type for f in offered),
        },
        status_code=406,
        headers={"Vary": "Accept"},
    )


def records_by_kind(kb: KnowledgeBase) -> dict[str, list[str]]:
    """The IRIs of the records (subjects under `{base}id/`), by kind."""
    records = kb.settings.base_iri + "id/"
    rows = kb.store.select(
        f"SELECT DISTINCT ?s WHERE {{ ?s a ?type . "
        f"FILTER(STRSTARTS(STR(?s), {json.dumps(records)})) }}"
    )
    kinds: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        iri = _str(row["s"])
        kind, _, slug = iri[len(records) :].partition("/")
        if slug and "/" not in slug:
            kinds[kind].append(iri)
    return dict(kinds)


@router.api_route("/id/{kind}/", methods=["GET", "HEAD"], include_in_schema=False)
def kind_index(kind: str, request: Request, kb: KB) -> Response:
    """Every record of one kind, as links (for people and crawlers)."""
    iris = records_by_kind(kb).get(kind)
    if not iris:
        return not_found(request, kb, f"/id/{kind}/")
    page = Page(request, kb.settings)
    names = labels_of(kb.store, iris, page.lang)
    items = sorted(
        ({"href": page.href(i), "name": names.get(i, local_name(i))} for i in iris),
        key=lambda x: (x["name"].casefold(), x["href"]),
    )
    return page.render("index.html", title=f"/id/{kind}/", kind=kind, items=items)


@router.api_route("/id/{kind}/{name}", methods=["GET", "HEAD"], include_in_schema=True)
def record(kind: str, name: str, request: Request, kb: KB) -> Response:
    """A record of the knowledge base: HTML, Turtle, JSON-LD, N-Triples or RDF/XML."""
    slug, fmt = split_suffix(name)
    path = f"/id/{kind}/{slug}"
    if not SLUG.match(slug) or not SLUG.match(kind):
        return not_found(request, kb, path)
    if fmt is None:
        fmt = negotiate(request.headers.get("accept"))
        if fmt is None:
            return not_acceptable(FORMATS)
    iri = kb.settings.record_iri(kind, slug)
    page = Page(request, kb.settings)
    view = View(iri, page.lang, describe(kb.store, iri))
    if not view.exists:
        return not_found(request, kb, path)
    headers = {
        "Vary": "Accept",
        "Content-Location": f"{path}{fmt.suffix}",
        "Link": link_header(path),
    }
    if fmt.rdf_format is not None:
        body = serialize(view.triples, fmt, kb.settings.base_iri)
        return Response(body, media_type=fmt.media_type, headers=headers)
    template = (
        "concept.html"
        if kind in CONCEPT_KINDS
        else f"{kind}.html"
        if kind in TEMPLATE_KINDS
        else "record.html"
    )
    extra = KIND_CONTEXT.get(kind, lambda kb, page, view: {})(kb, page, view)
    return page.render(
        template,
        headers=headers,
        kind=kind,
        view=view,
        title=title_for(kb, page, view, kind),
        path=path,
        iri=iri,
        types=type_names(kb, page, view),
        rows=property_rows(kb, page, view),
        inbound=inbound_rows(kb, page, view),
        sources=cells(page, view, view.values(DCTERMS + "source")),
        alternates=alternate_links(path),
        jsonld=schema_org(kb, page, view, kind),
        **extra,
    )


def title_for(kb: KnowledgeBase, page: Page, view: View, kind: str) -> str:
    """The heading of a page: the record's name, or words made from what it links."""
    if any(view.labels_in().values()) or view.text(FOAF + "name"):
        return view.label()
    a = kb.settings.ontology_ns

    def name(prop: str) -> str:
        node = view.value(prop)
        return view.label(node) if isinstance(node, ox.NamedNode) else ""

    made = {
        "award": " · ".join(x for x in (name(a + "laureate"), name(a + "edition")) if x),
        "signature": " · ".join(
            x for x in (name(a + "onBehalfOf"), name(a + "signedDocument")) if x
        ),
        "membership": " · ".join(
            x for x in (name(ORG + "member"), name(ORG + "organization")) if x
        ),
        "secondment": " · ".join(
            x for x in (name(ORG + "member"), name(ORG + "organization")) if x
        ),
        "figure": " · ".join(
            x for x in (view.text(RDF + "value"), name(a + "measure"), name(a + "about")) if x
        ),
    }.get(kind, "")
    return made or view.label()


# -- what each kind of page shows beyond its own properties ---------------------------------


def _authority(kb: KnowledgeBase, page: Page, view: View) -> dict[str, Any]:
    a = kb.settings.ontology_ns
    node = _iri(view.iri)
    store, lang = kb.store, page.lang
    alliance_org = _iri(kb.settings.record_iri("organisation", "alliance"))
    memberships = store.select(
        f"SELECT ?m ?start ?number WHERE {{ ?m <{ORG}member> {node} ; "
        f"<{ORG}organization> {alliance_org} . "
        f"OPTIONAL {{ ?m <{SCHEMA}startDate> ?start }} "
        f"OPTIONAL {{ ?m <{a}participantNumber> ?number }} }}"
    )
    award_rows = store.select(
        f"SELECT ?award ?edition ?number ?year ?rank ?shared ?for WHERE {{ "
        f"?award <{a}laureate> {node} ; <{a}edition> ?edition . "
        f"OPTIONAL {{ ?edition <{a}editionNumber> ?number }} "
        f"OPTIONAL {{ ?edition <{a}labelYear> ?year }} "
        f"OPTIONAL {{ ?award <{a}rank> ?rank }} OPTIONAL {{ ?award <{a}sharedRank> ?shared }} "
        f"OPTIONAL {{ ?award <{a}awardedFor> ?for }} }}"
    )
    signature_rows = store.select(
        f"SELECT ?sig ?doc ?date ?person WHERE {{ ?sig <{a}onBehalfOf> {node} . "
        f"OPTIONAL {{ ?sig <{a}signedDocument> ?doc }} OPTIONAL {{ ?sig <{DCTERMS}date> ?date }} "
        f"OPTIONAL {{ ?sig <{a}signatory> ?person }} }}"
    )
    practice_rows = store.select(
        f"SELECT ?p ?theme ?maturity WHERE {{ ?p <{a}implementedBy> {node} . "
        f"OPTIONAL {{ ?p <http://www.w3.org/ns/dcat#theme> ?theme }} "
        f"OPTIONAL {{ ?p <{a}maturityLevel> ?maturity }} }}"
    )
    names = labels_of(
        store,
        [r["edition"] for r in award_rows]
        + [r[v] for r in signature_rows for v in ("doc", "person")]
        + [r[v] for r in practice_rows for v in ("p", "theme", "maturity")],
        lang,
    )
    awards: dict[str, dict[str, Any]] = {}
    for award_iri, rows in _group(award_rows, "award").items():
        r = rows[0]
        awards[award_iri] = {
            "href": page.href(award_iri),
            "edition": names.get(_str(r["edition"]), ""),
            "edition_href": page.href(r["edition"]),
            "number": _int(r["number"]),
            "year": _str(r["year"]),
            "rank": _int(r["rank"]),
            "shared": _str(r["shared"]) == "true",
            "project": pick(rows, "for", lang),
        }
    signatures = [
        {
            "href": page.href(sig),
            "document": names.get(_str(rows[0]["doc"]), ""),
            "document_href": page.href(rows[0]["doc"]),
            "date": human_date(rows[0]["date"], lang) if rows[0]["date"] else "",
            "person": names.get(_str(rows[0]["person"]), "") if rows[0]["person"] else "",
            "person_href": page.href(rows[0]["person"]),
        }
        for sig, rows in _group(signature_rows, "sig").items()
    ]
    practices = [
        {
            "href": page.href(p),
            "title": names.get(p, local_name(p)),
            "themes": sorted({names.get(_str(r["theme"]), "") for r in rows if r["theme"]}),
            "maturity": sorted({names.get(_str(r["maturity"]), "") for r in rows if r["maturity"]}),
        }
        for p, rows in _group(practice_rows, "p").items()
    ]
    membership = None
    if memberships:
        m = memberships[0]
        membership = {
            "href": page.href(m["m"]),
            "start": human_date(m["start"], lang) if m["start"] else "",
            "number": _int(m["number"]),
        }
    country = view.value(a + "country")
    return {
        "membership": membership,
        "country": Cell(view.label(country), page.href(country)) if country else None,
        "awards": sorted(
            awards.values(), key=lambda x: (x["number"] is None, x["number"] or 0, x["year"])
        ),
        "signatures": signatures,
        "practices": sorted(practices, key=lambda x: x["title"]),
        "other_names": [v for v in view.texts(SKOS + "altLabel") if v != view.label()],
    }


def _group(rows: list[Row], var: str) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(_str(row[var]), []).append(row)
    return grouped


def _prize_edition(kb: KnowledgeBase, page: Page, view: View) -> dict[str, Any]:
    a = kb.settings.ontology_ns
    rows = kb.store.select(
        f"SELECT ?award ?laureate ?rank ?shared ?for ?country WHERE {{ "
        f"?award <{a}edition> {_iri(view.iri)} ; <{a}laureate> ?laureate . "
        f"OPTIONAL {{ ?award <{a}rank> ?rank }} OPTIONAL {{ ?award <{a}sharedRank> ?shared }} "
        f"OPTIONAL {{ ?award <{a}awardedFor> ?for }} "
        f"OPTIONAL {{ ?laureate <{a}country> ?country }} }}"
    )
    names = labels_of(kb.store, [r[v] for r in rows for v in ("laureate", "country")], page.lang)
    laureates = []
    for award_iri, group in _group(rows, "award").items():
        r = group[0]
        laureates.append(
            {
                "href": page.href(award_iri),
                "name": names.get(_str(r["laureate"]), ""),
                "laureate_href": page.href(r["laureate"]),
                "country": names.get(_str(r["country"]), "") if r["country"] else "",
                "country_href": page.href(r["country"]),
                "rank": _int(r["rank"]),
                "shared": _str(r["shared"]) == "true",
                "project": pick(group, "for", page.lang),
            }
        )
    laureates.sort(key=lambda x: (x["rank"] is None, x["rank"] or 0, x["name"]))
    return {"laureates": laureates}


def _country(kb: KnowledgeBase, page: Page, view: View) -> dict[str, Any]:
    a = kb.settings.ontology_ns
    alliance_org = _iri(kb.settings.record_iri("organisation", "alliance"))
    rows = kb.store.select(
        f"SELECT ?x ?participant ?laureate ?signatory WHERE {{ ?x <{a}country> {_iri(view.iri)} . "
        f"BIND(EXISTS {{ ?m <{ORG}member> ?x ; <{ORG}organization> {alliance_org} }} "
        f"AS ?participant) "
        f"BIND(EXISTS {{ ?w <{a}laureate> ?x }} AS ?laureate) "
        f"BIND(EXISTS {{ ?s <{a}onBehalfOf> ?x }} AS ?signatory) }}"
    )
    names = labels_of(kb.store, [r["x"] for r in rows], page.lang)
    authorities = sorted(
        (
            {
                "href": page.href(r["x"]),
                "name": names.get(_str(r["x"]), ""),
                "participant": _str(r["participant"]) == "true",
                "laureate": _str(r["laureate"]) == "true",
                "signatory": _str(r["signatory"]) == "true",
            }
            for r in rows
        ),
        key=lambda x: str(x["name"]),
    )
    return {"authorities": authorities}


def _concept_list(kb: KnowledgeBase, page: Page, view: View) -> dict[str, Any]:
    rows = kb.store.select(
        f"SELECT ?c ?notation WHERE {{ ?c <{SKOS}inScheme> {_iri(view.iri)} . "
        f"OPTIONAL {{ ?c <{SKOS}notation> ?notation }} }}"
    )
    names = labels_of(kb.store, [r["c"] for r in rows], page.lang)
    concepts = sorted(
        (
            {
                "href": page.href(r["c"]),
                "name": names.get(_str(r["c"]), ""),
                "notation": _str(r["notation"]),
            }
            for r in rows
        ),
        key=lambda x: (x["notation"].zfill(4), x["name"]),
    )
    return {"concepts": concepts}


KIND_CONTEXT = {
    "authority": _authority,
    "prize-edition": _prize_edition,
    "country": _country,
    "scheme": _concept_list,
}


# -- schema.org for search engines ----------------------------------------------------------

_SCHEMA_TYPES = {
    "authority": "GovernmentOrganization",
    "organisation": "Organization",
    "country": "Country",
    "event": "Event",
    "document": "CreativeWork",
    "person": "Person",
    "practice": "CreativeWork",
    "database": "Dataset",
    "prize": "Thing",
    "prize-edition": "Event",
    "scheme": "DefinedTermSet",
    "source": "CreativeWork",
    **dict.fromkeys(CONCEPT_KINDS, "DefinedTerm"),
}


def schema_org(kb: KnowledgeBase, page: Page, view: View, kind: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": _SCHEMA_TYPES.get(kind, "Thing"),
        "@id": view.iri,
        "name": view.label(),
        "inLanguage": page.lang,
    }
    description = view.text(DCTERMS + "description") or view.text(SKOS + "definition")
    if description:
        data["description"] = description
    same = [v.value for v in view.values(SKOS + "exactMatch") if isinstance(v, ox.NamedNode)]
    if same:
        data["sameAs"] = same
    country = view.value(kb.settings.ontology_ns + "country")
    if kind == "authority" and isinstance(country, ox.NamedNode):
        data["areaServed"] = {"@type": "Country", "@id": country.value, "name": view.label(country)}
    start = view.value(SCHEMA + "startDate")
    if kind == "event" and isinstance(start, ox.Literal):
        data["startDate"] = start.value
    sources = [v.value for v in view.values(DCTERMS + "source") if isinstance(v, ox.NamedNode)]
    if sources:
        data["isBasedOn"] = sources
    return data


# -- landing page ---------------------------------------------------------------------------


def _count(store: KnowledgeStore, where: str) -> int:
    rows = store.select(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}")
    return _int(rows[0]["n"]) or 0 if rows else 0


def live_counts(kb: KnowledgeBase) -> dict[str, int]:
    a = kb.settings.ontology_ns
    alliance_org = _iri(kb.settings.record_iri("organisation", "alliance"))
    member = f"?m <{ORG}organization> {alliance_org} ; <{ORG}member>"
    s = kb.store
    return {
        "participants": _count(s, f"{member} ?x ."),
        "participant-countries": _count(s, f"{member} ?a . ?a <{a}country> ?x ."),
        "practices": _count(s, f"?x a <{a}GoodPractice> ."),
        "signatures": _count(s, f"?x a <{a}Signature> ."),
        "signatories": _count(s, f"?s a <{a}Signature> ; <{a}onBehalfOf> ?x ."),
        "signatory-states": _count(s, f"?s a <{a}Signature> ; <{a}onBehalfOf>/<{a}country> ?x ."),
        "awards": _count(s, f"?x a <{a}Award> ."),
    }


def stated_figures(kb: KnowledgeBase, page: Page) -> dict[str, list[dict[str, Any]]]:
    """The published figures by measure (the measure concept's local name), latest first."""
    a = kb.settings.ontology_ns
    rows = kb.store.select(
        f"SELECT ?f ?value ?measure ?date ?lower ?text ?about WHERE {{ ?f a <{a}StatedFigure> ; "
        f"<{RDF}value> ?value ; <{a}measure> ?measure . OPTIONAL {{ ?f <{DCTERMS}date> ?date }} "
        f"OPTIONAL {{ ?f <{a}lowerBound> ?lower }} OPTIONAL {{ ?f <{a}statedText> ?text }} "
        f"OPTIONAL {{ ?f <{a}about> ?about }} }}"
    )
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f, group in _group(rows, "f").items():
        r = group[0]
        out[local_name(_str(r["measure"]))].append(
            {
                "href": page.href(f),
                "value": _int(r["value"]),
                "date_raw": _str(r["date"]),
                "date": human_date(r["date"], page.lang) if r["date"] else "",
                "lower": _str(r["lower"]) == "true",
                "text": pick(group, "text", page.lang),
            }
        )
    for figures in out.values():
        figures.sort(key=lambda x: (x["date_raw"] or "0", x["value"] or 0, x["href"]), reverse=True)
    return out


def map_counts(kb: KnowledgeBase) -> dict[str, dict[str, int]]:
    """Per country code (alpha-3): authorities that participate, won a prize, signed."""
    a = kb.settings.ontology_ns
    alliance_org = _iri(kb.settings.record_iri("organisation", "alliance"))
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
            counts[local_name(_str(r["c"])).upper()][layer] = _int(r["n"]) or 0
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
            "name": names.get(_str(r["e"]), ""),
            "number": _int(r["number"]),
            "year": _str(r["year"]),
            "count": _int(r["n"]) or 0,
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
        f"SELECT ?c ?n WHERE {{ {_iri(subject)} {_iri(prop)} ?c . "
        f"OPTIONAL {{ ?c <{SKOS}notation> ?n }} }}"
    )
    names = labels_of(kb.store, [r["c"] for r in rows], page.lang)
    rows.sort(key=lambda r: (_str(r["n"]).zfill(4), names.get(_str(r["c"]), "")))
    return [Cell(names.get(_str(r["c"]), ""), page.href(r["c"])) for r in rows]


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
        local_name(_str(r["c"])).upper(): country_names.get(_str(r["c"]), "") for r in countries
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
        counts=live_counts(kb),
        figures=stated_figures(kb, page),
        europe=europe,
        shapes=choropleth(europe, counts, names_by_code),
        country_rows=country_rows,
        bars=bars,
        bar_max=max([b["count"] for b in bars] or [1]),
        kinds=kinds,
        jsonld={
            "@context": "https://schema.org",
            "@type": "Dataset",
            "name": page.t("site_title"),
            "description": page.t("landing_intro"),
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "inLanguage": ["en", "fr"],
        },
    )


# -- ontology documentation -----------------------------------------------------------------

ONTOLOGY_FORMATS = [FORMAT_BY_KEY[k] for k in ("html", "turtle", "jsonld", "rdfxml", "ntriples")]


@router.api_route("/ontology", methods=["GET", "HEAD"])
def ontology(request: Request, kb: KB) -> Response:
    fmt = negotiate(request.headers.get("accept"), ONTOLOGY_FORMATS)
    if fmt is None:
        return not_acceptable(ONTOLOGY_FORMATS)
    return _ontology(request, kb, fmt)


@router.api_route("/ontology{suffix}", methods=["GET", "HEAD"], include_in_schema=False)
def ontology_file(suffix: str, request: Request, kb: KB) -> Response:
    fmt = FORMAT_BY_SUFFIX.get(suffix)
    if fmt is None:
        raise HTTPException(404, f"no ontology document /ontology{suffix}")
    return _ontology(request, kb, fmt)


def _ontology(request: Request, kb: KnowledgeBase, fmt: Format) -> Response:
    graph = kb.settings.graph_iri("ontology")
    triples = kb.store.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}"
    )
    headers = {
        "Vary": "Accept",
        "Content-Location": f"/ontology{fmt.suffix}",
        "Link": link_header("/ontology"),
    }
    if fmt.rdf_format is not None:
        return Response(
            serialize(triples, fmt, kb.settings.base_iri),
            media_type=fmt.media_type,
            headers=headers,
        )
    page = Page(request, kb.settings)
    ns = kb.settings.ontology_ns
    onto_iri = ns.rstrip("#")
    view = View(onto_iri, page.lang, triples)
    by_subject: dict[str, View] = {}
    sections: dict[str, list[dict[str, Any]]] = {
        "classes": [],
        "object_properties": [],
        "datatype_properties": [],
        "other_terms": [],
    }
    subjects = sorted({t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)})
    for s in subjects:
        if not s.startswith(ns):
            continue
        term = by_subject.setdefault(s, View(s, page.lang, triples))
        types = set(term.types())
        section = (
            "classes"
            if OWL + "Class" in types or RDFS + "Class" in types
            else "object_properties"
            if OWL + "ObjectProperty" in types
            else "datatype_properties"
            if OWL + "DatatypeProperty" in types
            else "other_terms"
        )

        def links(prop: str, term: View = term) -> list[Cell]:
            return [
                Cell(term.label(v) if v.value.startswith(ns) else _curie(v.value), page.href(v))
                for v in term.values(prop)
                if isinstance(v, ox.NamedNode)
            ]

        sections[section].append(
            {
                "id": s[len(ns) :],
                "iri": s,
                "label": term.label(),
                "comment": term.text(RDFS + "comment") or term.text(SKOS + "definition"),
                "super": links(RDFS + "subClassOf") + links(RDFS + "subPropertyOf"),
                "domain": links(RDFS + "domain"),
                "range": links(RDFS + "range"),
                "equivalent": links(OWL + "equivalentClass") + links(OWL + "equivalentProperty"),
            }
        )
    for items in sections.values():
        items.sort(key=lambda x: x["id"].lower())
    schemes = kb.store.select(f"SELECT DISTINCT ?s WHERE {{ ?s a <{SKOS}ConceptScheme> }}")
    scheme_names = labels_of(kb.store, [r["s"] for r in schemes], page.lang)
    return page.render(
        "ontology.html",
        headers=headers,
        view=view,
        title=view.label() if view.exists else page.t("ontology_title"),
        description=view.text(RDFS + "comment") or view.text(DCTERMS + "description"),
        sections=sections,
        schemes=sorted(
            (
                {"href": page.href(r["s"]), "name": scheme_names.get(_str(r["s"]), "")}
                for r in schemes
            ),
            key=lambda x: x["name"],
        ),
        alternates=[(f, f"/ontology{f.suffix}") for f in ONTOLOGY_FORMATS],
    )


_CURIES = {
    "http://www.w3.org/ns/org#": "org:",
    "http://data.europa.eu/m8g/": "cpov:",
    "http://www.w3.org/ns/prov#": "prov:",
    SCHEMA: "schema:",
    "http://www.w3.org/2001/XMLSchema#": "xsd:",
    SKOS: "skos:",
    DCTERMS: "dcterms:",
    FOAF: "foaf:",
    "http://www.w3.org/ns/dcat#": "dcat:",
    RDFS: "rdfs:",
    RDF: "rdf:",
    OWL: "owl:",
}


def _curie(iri: str) -> str:
    for ns, prefix in _CURIES.items():
        if iri.startswith(ns):
            return prefix + iri[len(ns) :]
    return iri


# -- query editor (called by the SPARQL endpoint for browsers) -------------------------------


@dataclass(frozen=True)
class ExampleQuery:
    name: str  # file stem
    title: str
    description: str
    text: str


def example_queries(queries_dir: Path) -> list[ExampleQuery]:
    """The `queries/*.rq` files, with the title and description of their comment header."""
    out = []
    for path in sorted(queries_dir.glob("*.rq")) if queries_dir.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        header: dict[str, str] = {}
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            key, sep, value = line.lstrip("# ").partition(":")
            if sep and key.strip().lower() in ("title", "description"):
                header[key.strip().lower()] = value.strip()
        out.append(
            ExampleQuery(
                path.stem, header.get("title", path.stem), header.get("description", ""), text
            )
        )
    return out


def render_query_editor(request: Request) -> Response:
    """The HTML query editor (YASGUI on /sparql) with the library of example queries."""
    kb: KnowledgeBase = request.app.state.kb
    page = Page(request, kb.settings)
    examples = example_queries(kb.settings.queries_dir)
    return page.render(
        "query.html",
        title=page.t("query_title"),
        examples=examples,
        examples_json=[{"name": e.name, "title": e.title, "query": e.text} for e in examples],
        editor_installed=(NODE_MODULES / VENDOR_FILES["yasgui/yasgui.min.js"]).is_file(),
        headers={"Vary": "Accept"},
    )


# -- validation -----------------------------------------------------------------------------


@router.get("/validate", include_in_schema=False)
def validate_page(request: Request, kb: KB) -> Response:
    page = Page(request, kb.settings)
    return page.render("validate.html", title=page.t("validate_title"), data="", fmt="text/turtle")


UPLOAD_FORMATS = {
    "text/turtle": "Turtle",
    "application/ld+json": "JSON-LD",
    "application/n-triples": "N-Triples",
}


class TooLargeError(Exception):
    pass


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLargeError
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/validate")
async def validate(request: Request, kb: KB) -> Response:
    """SHACL-validate a Turtle, JSON-LD or N-Triples body; the report as JSON or Turtle.

    A browser's form (the /validate page) gets the report as an HTML page. Nothing is stored.
    """
    limit = kb.settings.max_body_bytes
    content_type = request.headers.get("content-type", "")
    mime = content_type.split(";", 1)[0].strip().lower()
    from_form = mime in ("multipart/form-data", "application/x-www-form-urlencoded")
    page = Page(request, kb.settings)
    try:
        if from_form:
            declared = request.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit + 64_000:
                raise TooLargeError
            try:
                form = await request.form(max_part_size=limit + 1)
            except StarletteHTTPException as exc:
                if "exceeded" in str(exc.detail).lower() or "size" in str(exc.detail).lower():
                    raise TooLargeError from exc
                raise
            upload = form.get("file")
            data = b""
            if upload is not None and not isinstance(upload, str):
                data = await upload.read(limit + 1)
            if not data:
                text = form.get("data")
                data = text.encode("utf-8") if isinstance(text, str) else b""
            if len(data) > limit:
                raise TooLargeError
            fmt_field = form.get("format")
            media_type = fmt_field if isinstance(fmt_field, str) else "text/turtle"
        else:
            data = await _read_limited(request, limit)
            media_type = mime
    except TooLargeError:
        return _validate_error(
            request, page, 413, "Payload Too Large", f"the body is over {limit} bytes", from_form
        )
    if from_form and media_type not in UPLOAD_FORMATS:
        media_type = "text/turtle"
    if not from_form and mime not in (
        *UPLOAD_FORMATS,
        "application/x-turtle",
        "application/json",
        "text/plain",
    ):
        return _validate_error(
            request,
            page,
            415,
            "Unsupported Media Type",
            "send Turtle (text/turtle), JSON-LD (application/ld+json) or N-Triples "
            "(application/n-triples)",
            from_form,
        )
    refused = _remote_context(data, media_type)
    if refused:
        return _validate_error(request, page, 400, "Bad Request", refused, from_form, data)
    try:
        from kb.validate import validate_upload
    except ImportError:  # pragma: no cover - the validator lands with its own issue
        return _validate_error(
            request, page, 503, "Service Unavailable", page.t("validator_missing"), from_form
        )
    from kb.load import InputError

    try:
        # SHACL is CPU-bound: off the event loop, so other requests are still answered.
        report = await run_in_threadpool(validate_upload, kb.settings, data, media_type, kb.dataset)
    except InputError as exc:
        status = 415 if type(exc).__name__ == "UnsupportedMediaTypeError" else 400
        return _validate_error(
            request, page, status, "Bad Request", exc.located(), from_form, data, media_type
        )
    accept = request.headers.get("accept", "")
    if from_form or (wants_html(request) and "text/turtle" not in accept):
        return page.render(
            "validate.html",
            title=page.t("validate_title"),
            data=data.decode("utf-8", "replace"),
            fmt=media_type,
            report=report,
            groups=_grouped(report, page, kb.store),
            headers={"Vary": "Accept"},
        )
    report_formats = [
        Format("json", "application/json", ".json", None),
        FORMAT_BY_KEY["turtle"],
    ]
    chosen = negotiate(accept, report_formats)
    if chosen is None:
        return not_acceptable(report_formats)
    if chosen.key == "turtle":
        return Response(report.to_turtle(), media_type="text/turtle", headers={"Vary": "Accept"})
    return JSONResponse(report.to_json(page.lang), headers={"Vary": "Accept"})


def _remote_context(data: bytes, media_type: str) -> str:
    """Why a JSON-LD upload is refused (it names a remote @context), or ""."""
    if "json" not in media_type:
        return ""
    try:
        doc = json.loads(data)
    except ValueError:
        return ""  # the parser reports the syntax error with its position

    def remote(node: Any) -> bool:
        if isinstance(node, dict):
            ctx = node.get("@context")
            if ctx is not None and _names_remote(ctx):
                return True
            return any(remote(v) for v in node.values())
        if isinstance(node, list):
            return any(remote(v) for v in node)
        return False

    if remote(doc):
        return "remote JSON-LD contexts are not fetched: give the @context inline"
    return ""


def _names_remote(ctx: Any) -> bool:
    if isinstance(ctx, str):
        return True
    if isinstance(ctx, list):
        return any(_names_remote(c) for c in ctx)
    if isinstance(ctx, dict):
        return "@import" in ctx
    return False


def _validate_error(
    request: Request,
    page: Page,
    status: int,
    error: str,
    detail: str,
    from_form: bool,
    data: bytes = b"",
    media_type: str = "text/turtle",
) -> Response:
    if from_form or wants_html(request):
        return page.render(
            "validate.html",
            status=status,
            title=page.t("validate_title"),
            data=data.decode("utf-8", "replace")[:200_000],
            fmt=media_type if media_type in UPLOAD_FORMATS else "text/turtle",
            error=detail,
        )
    return JSONResponse({"error": error, "detail": detail}, status_code=status)


def _grouped(report: Any, page: Page, store: KnowledgeStore) -> list[dict[str, Any]]:
    """The results by record (focus node); records already in the knowledge base are linked."""
    groups: dict[str, dict[str, Any]] = {}
    for r in report.results:
        key = str(r.focus_node)
        group = groups.setdefault(
            key, {"node": report.shorten(r.focus_node), "href": "", "results": []}
        )
        if (
            not group["href"]
            and key.startswith(page.settings.base_iri + "id/")
            and store.ask(f"ASK {{ {_iri(key)} ?p ?o }}")
        ):
            group["href"] = page.href(key)
        group["results"].append(
            {
                "severity": r.severity,
                "severity_text": page.t("severity_" + r.severity.lower()),
                "path": report.shorten(r.result_path) if r.result_path is not None else "",
                "value": report.shorten(r.value) if r.value is not None else "",
                "message": r.message(page.lang),
            }
        )
    return list(groups.values())


# -- static files (this app's and the npm packages it serves) --------------------------------


@router.get("/static/vendor/{name:path}", include_in_schema=False)
def vendor_file(name: str) -> Response:
    target = VENDOR_FILES.get(name)
    path = NODE_MODULES / target if target else None
    if path is None or not path.is_file():
        raise HTTPException(404, f"no asset /static/vendor/{name} (run make web-assets)")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})


@router.get("/static/{name:path}", include_in_schema=False)
def static_file(name: str) -> Response:
    root = STATIC_DIR.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise HTTPException(404, f"no asset /static/{name}")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})
