"""What every page shares: templates, the `Page` context, labels read from the store, errors.

Pages are in English or French (query parameter `lang`, then the `lang` cookie the
switch sets, then `Accept-Language`). The routes live in their own modules, which all
import this one: `records` (`/id/...`), `landing` (`/`), `ontology_page` (`/ontology`),
`query_editor` (the HTML face of `/sparql`), `validation_page` (`/validate`) and
`static_files` (`/static/...`). `kb.web.errors` calls `render_error_page` for browsers.
"""

from __future__ import annotations

import json
import re
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup

from kb.config import PROJECT_ROOT, Settings
from kb.curation.accounts import Account
from kb.store.embedded import KnowledgeStore, Row
from kb.web import i18n
from kb.web.auth import csrf_token, visitor_account
from kb.web.context import KnowledgeBase, get_kb
from kb.web.errors import wants_html
from kb.web.record_view import (
    DCTERMS,
    FORMATS,
    LABEL_PROPERTIES,
    RDF,
    RDFS,
    SKOS,
    Format,
    best_literal,
    human_date,
    local_name,
)

if TYPE_CHECKING:
    from jinja2 import Environment

KB = Annotated[KnowledgeBase, Depends(get_kb)]

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
NODE_MODULES = PROJECT_ROOT / "node_modules"
#: Files of npm packages the app serves, by public name under /static/vendor/.
VENDOR_FILES = {
    "yasgui/yasgui.min.js": "@zazuko/yasgui/build/yasgui.min.js",
    "yasgui/yasgui.min.css": "@zazuko/yasgui/build/yasgui.min.css",
    "shacl-form/form-default.js": "@ulb-darmstadt/shacl-form/dist/form-default.js",
}

ORG = "http://www.w3.org/ns/org#"
SCHEMA = "http://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
)


# -- templates ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, select_autoescape  # on the first page

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
        """This page in the other language (its other query parameters kept)."""
        kept = [(k, v) for k, v in self.request.query_params.multi_items() if k != "lang"]
        return f"{self.path}?{urlencode([*kept, ('lang', self.other_lang)])}"

    @property
    def account(self) -> Account | None:
        """Who is logged in (for the header's login/logout link), or None."""
        return visitor_account(self.request)

    def csrf_token(self) -> str:
        """The CSRF token this page's forms carry (field `csrf_token`)."""
        return csrf_token(self.request)

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


def sparql_iri(value: str) -> str:
    return "<" + value.replace(">", "%3E") + ">"


def term_text(term: Any) -> str:
    if term is None:
        return ""
    return str(term.value) if hasattr(term, "value") else str(term)


def term_int(term: Any) -> int | None:
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
    props = " ".join(sparql_iri(p) for p in LABEL_PROPERTIES)
    query = (
        f"SELECT ?s ?p ?l WHERE {{ VALUES ?s {{ {' '.join(sparql_iri(i) for i in iris)} }} "
        f"VALUES ?p {{ {props} }} ?s ?p ?l }}"
    )
    found: dict[str, dict[str, list[ox.Literal]]] = defaultdict(lambda: defaultdict(list))
    for row in store.select(query):
        lit = row["l"]
        if isinstance(lit, ox.Literal):
            found[term_text(row["s"])][term_text(row["p"])].append(lit)
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
                by_term[term_text(row["t"])].append(row["l"])
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


# -- what the route modules share: values, links, errors, the records ---------------------


@dataclass
class Cell:
    """One value shown on a page: text, and a link where it names something."""

    text: str
    href: str = ""
    lang: str = ""
    #: the pages stating this value (`kb.web.record_sources.Citation`), on record pages
    sources: tuple[Any, ...] = ()
    #: the project's own words (its wording or translation), on record pages
    own_words: bool = False


def link_header(path: str) -> str:
    return ", ".join(f'<{path}{f.suffix}>; rel="alternate"; type="{f.media_type}"' for f in FORMATS)


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
    """An error as a page of the site (used by kb.web.errors for browsers)."""
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
        iri = term_text(row["s"])
        kind, _, slug = iri[len(records) :].partition("/")
        if slug and "/" not in slug and "#" not in slug:  # not a record's own node (statement)
            kinds[kind].append(iri)
    return dict(kinds)


def group_by(rows: list[Row], var: str) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(term_text(row[var]), []).append(row)
    return grouped
