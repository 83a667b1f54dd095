"""Editing records in the browser: forms generated from the shapes (`kb.web.form_shapes`).

| route | what |
| --- | --- |
| `GET /id/{kind}/{slug}/edit` | the form for a record, filled with its current description |
| `GET /new/{kind}` | the form for a new record of a kind (its slug proposed from its name) |
| `GET /new` | the kinds of record that can be created |
| `GET /forms/{kind}/shapes.ttl?lang=` | what the form is drawn and validated from (Turtle) |
| `GET /forms/{kind}/choices?path=&lang=` | the records a link field may point to (Turtle) |

The pages are for curators: anyone else is sent to `/login` (and back), an account without
the curator role gets a 403 page. What the form loads (`/forms/...`) is public, like the
shapes and the records it is made of.

A new record's form lives at `/new/{kind}`, not `/id/{kind}/new`: `new` is a valid slug, and
every `/id/{kind}/{slug}` must stay the address of a record.

The page (`templates/record_form.html`, `static/record-form.js`) saves through the write
API, `PUT /id/{kind}/{slug}` (`If-Match` with the ETag the page was drawn from, or
`If-None-Match: *` for a new record), and shows the 422 report next to the fields. The body
it sends is the form's triples plus the record's triples the form does not show (paths no
shape describes, blank nodes the record owns), sent back unchanged.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from kb.curation.record_changes import describe_record, etag_of, reading
from kb.namespaces import RDF, XSD
from kb.web.auth import visitor_account
from kb.web.context import KnowledgeBase
from kb.web.errors import error_response
from kb.web.i18n import SEVERITY_WORDS
from kb.web.pages import KB, Page, labels_of, not_found, property_label, sparql_iri
from kb.web.record_view import LABEL_PROPERTIES
from kb.web.search_page import search_index

# kb.web.form_shapes reads the shapes with rdflib: imported by each route on its first use,
# so that starting the server does not import rdflib and kb.validation
if TYPE_CHECKING:
    from kb.web.form_shapes import RecordKind

router = APIRouter()

TURTLE = "text/turtle; charset=utf-8"
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: The subject of a new record's form until it is saved (its slug is typed meanwhile).
NEW_RECORD = "urn:alliance-kb:forms:new-record"


# -- the record's description ---------------------------------------------------------------


def record_description(kb: KnowledgeBase, iri: str) -> tuple[list[ox.Triple], str | None]:
    """The triples that describe a record (about its IRI and the nodes it owns, `{iri}#name`,
    as the write path reads and replaces them) and their ETag, read together: a change
    committed in between cannot pair old values with a new ETag."""
    if not hasattr(kb.store, "oxigraph"):  # an external store: no write path
        node = sparql_iri(iri)
        return kb.store.construct(f"CONSTRUCT {{ {node} ?p ?o }} WHERE {{ {node} ?p ?o }}"), None
    with reading(kb.store) as oxigraph:
        quads = describe_record(oxigraph, iri)
    triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
    return triples, etag_of(quads)


def split_description(
    triples: list[ox.Triple], iri: str, rk: RecordKind
) -> tuple[list[ox.Triple], list[ox.Triple]]:
    """(what the form shows, what it sends back unchanged) of a record's triples: the form
    shows the record's values of its fields, not the nodes the record owns."""
    paths = {f.path for f in rk.fields}
    owned = iri + "#"
    shown, kept = [], []
    for t in triples:
        if (
            isinstance(t.subject, ox.NamedNode)
            and t.subject.value == iri
            and t.predicate.value in paths
            and not isinstance(t.object, ox.BlankNode)
            and not (isinstance(t.object, ox.NamedNode) and t.object.value.startswith(owned))
        ):
            shown.append(t)
        else:
            kept.append(t)
    return shown, kept


def n_triples(triples: list[ox.Triple]) -> str:
    """N-Triples text, blank nodes renamed apart from any the form might make."""
    lines = []
    for t in sorted(triples, key=str):
        s = (
            ox.BlankNode("kept-" + t.subject.value)
            if isinstance(t.subject, ox.BlankNode)
            else t.subject
        )
        o = (
            ox.BlankNode("kept-" + t.object.value)
            if isinstance(t.object, ox.BlankNode)
            else t.object
        )
        lines.append(f"{s} {t.predicate} {o} .")
    return "\n".join(lines) + ("\n" if lines else "")


# -- pages -----------------------------------------------------------------------------------


def curators_only(request: Request) -> Response | None:
    """None for a curator; otherwise the way to `/login` (and back here), or a 403."""
    account = visitor_account(request)
    if account is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': here})}", status_code=303)
    if not account.has_role("curator"):
        return error_response(
            request, 403, "Forbidden", f"account {account.name!r} is not a curator"
        )
    return None


#: The words the page's script shows (i18n keys), sent with the page in its language.
FORM_WORDS = (
    "form_add",
    "form_remove",
    "form_language",
    "form_yes",
    "form_no",
    "form_date_hint",
    "form_iri_hint",
    "form_slug_invalid",
    "form_slug_missing",
    "form_fix_first",
    "form_saving",
    "form_saved",
    "form_saved_warnings",
    "form_refused",
    "form_other_records",
    "form_conflict",
    "form_exists",
    "form_login_again",
    "form_forbidden",
    "form_bad_request",
    "form_too_large",
    "form_failed",
    "form_view_record",
    "form_search_hint",
    "form_search_none",
    "form_delete_confirm",
    "form_in_use",
)


def _render_form(
    request: Request,
    kb: KnowledgeBase,
    rk: RecordKind,
    *,
    iri: str | None,
    shown: list[ox.Triple],
    kept: list[ox.Triple],
    etag: str | None,
    title: str,
) -> Response:
    from kb.web.form_shapes import DATE_FIELD, SLUG_SOURCES, form_iri, kind_label, searched_paths

    page = Page(request, kb.settings)
    lang = page.lang
    a = kb.settings.ontology_ns
    slug_sources = [
        p if p.startswith(("http://", "https://")) else a + p.removeprefix("ontology#")
        for p in SLUG_SOURCES.get(rk.kind, ())
    ]
    config: dict[str, Any] = {
        "kind": rk.kind,
        "lang": lang,
        "base": kb.settings.base_iri,
        "recordsPrefix": f"{kb.settings.base_iri}id/{rk.kind}/",
        "iri": iri,
        "subject": iri or NEW_RECORD,
        "etag": etag,
        "formShape": form_iri(kb, rk.kind),
        "iriPattern": rk.iri_pattern,
        "slugSources": slug_sources,
        "slugUpper": "[A-Z]" in rk.iri_pattern and "[a-z" not in rk.iri_pattern,
        "labelPaths": list(LABEL_PROPERTIES),
        "kept": n_triples(kept),
        "dateField": DATE_FIELD,
        "xsd": XSD,
        "rdfType": RDF + "type",
        "severityWords": [w[lang] for w in SEVERITY_WORDS.values()],
        "searchFields": {
            path: f"/forms/{rk.kind}/search?{urlencode({'path': path, 'lang': lang})}"
            for path in sorted(searched_paths(kb, rk))
        },
        "names": labels_of(
            kb.store,
            [
                t.object
                for t in shown
                if t.predicate.value in searched_paths(kb, rk)
                and isinstance(t.object, ox.NamedNode)
            ],
            lang,
        ),
        "words": {k: page.t(k) for k in FORM_WORDS},
        "csrf": page.csrf_token(),
    }
    kept_rows = _kept_rows(kb, page, kept)
    return page.render(
        "record_form.html",
        title=title,
        kind=rk.kind,
        kind_label=kind_label(kb, rk, lang),
        iri=iri,
        record_path=f"/id/{rk.kind}/{iri.rsplit('/', 1)[-1]}" if iri else "",
        shapes_url=f"/forms/{rk.kind}/shapes.ttl?lang={lang}",
        values=n_triples(shown),
        config=config,
        kept_rows=kept_rows,
        headers={"Cache-Control": "no-store"},
    )


def _kept_rows(kb: KnowledgeBase, page: Page, kept: list[ox.Triple]) -> list[tuple[str, str]]:
    """The statements the form does not show, as (property, value) for the page."""
    names = labels_of(
        kb.store, [t.object for t in kept if isinstance(t.object, ox.NamedNode)], page.lang
    )
    rows = []
    for t in kept:
        if isinstance(t.object, ox.Literal):
            value = t.object.value + (f" @{t.object.language}" if t.object.language else "")
        elif isinstance(t.object, ox.NamedNode):
            value = names.get(t.object.value, t.object.value)
        else:
            value = "…"
        rows.append((property_label(kb, t.predicate.value, page.lang), value))
    return sorted(rows)


def edit_href(request: Request, kb: KnowledgeBase, kind: str, path: str) -> str:
    """The link to a record's form, for a curator and a kind that has a form; else ""."""
    account = visitor_account(request)
    if account is None or not account.has_role("curator"):
        return ""
    from kb.web.form_shapes import record_kinds

    return f"{path}/edit" if kind in record_kinds(kb) else ""


@router.get("/id/{kind}/{slug}/edit", include_in_schema=False)
def edit_record(kind: str, slug: str, request: Request, kb: KB) -> Response:
    """The form to edit a record, filled with its current description."""
    from kb.web.form_shapes import record_kinds

    if (refused := curators_only(request)) is not None:
        return refused
    rk = record_kinds(kb).get(kind)
    path = f"/id/{kind}/{slug}/edit"
    if rk is None or not SLUG.match(slug):
        return not_found(request, kb, path)
    iri = kb.settings.record_iri(kind, slug)
    triples, etag = record_description(kb, iri)
    if not triples:
        return not_found(request, kb, path)
    shown, kept = split_description(triples, iri, rk)
    page = Page(request, kb.settings)
    name = labels_of(kb.store, [ox.NamedNode(iri)], page.lang).get(iri, slug)
    return _render_form(
        request,
        kb,
        rk,
        iri=iri,
        shown=shown,
        kept=kept,
        etag=etag,
        title=f"{page.t('form_edit_title')}: {name}",
    )


@router.get("/new/{kind}", include_in_schema=False)
def new_record(kind: str, request: Request, kb: KB) -> Response:
    """The form for a new record of a kind."""
    from kb.web.form_shapes import kind_label, record_kinds

    if (refused := curators_only(request)) is not None:
        return refused
    rk = record_kinds(kb).get(kind)
    if rk is None:
        return not_found(request, kb, f"/new/{kind}")
    page = Page(request, kb.settings)
    title = f"{page.t('form_new_title')}: {kind_label(kb, rk, page.lang)}"
    return _render_form(request, kb, rk, iri=None, shown=[], kept=[], etag=None, title=title)


@router.get("/new", include_in_schema=False)
def new_index(request: Request, kb: KB) -> Response:
    """The kinds of record a curator can create."""
    from kb.web.form_shapes import kind_label, record_kinds

    if (refused := curators_only(request)) is not None:
        return refused
    page = Page(request, kb.settings)
    kinds = sorted(
        (
            {"kind": k, "label": kind_label(kb, rk, page.lang), "href": f"/new/{k}"}
            for k, rk in record_kinds(kb).items()
        ),
        key=lambda x: x["label"].casefold(),
    )
    return page.render("new_record_index.html", title=page.t("form_new_index_title"), kinds=kinds)


# -- what the form loads ---------------------------------------------------------------------


@router.get("/forms/{kind}/shapes.ttl", include_in_schema=False)
def form_shapes(kind: str, request: Request, kb: KB, lang: str = "en") -> Response:
    """The form's shapes for a kind, in one language (Turtle)."""
    from kb.web.form_shapes import form_document, record_kinds

    rk = record_kinds(kb).get(kind)
    if rk is None:
        return not_found(request, kb, f"/forms/{kind}/shapes.ttl")
    lang = lang if lang in ("en", "fr") else "en"
    return Response(form_document(kb, rk, lang), media_type=TURTLE)


@router.get("/forms/{kind}/search", include_in_schema=False)
def form_search(
    kind: str, request: Request, kb: KB, path: str = "", q: str = "", lang: str = "en"
) -> Response:
    """The records a link field with many records may point to whose name matches `q`
    (JSON: `{"results": [{"iri", "name"}]}`, at most 20, best first)."""
    from kb.web.form_shapes import record_kinds, search_choices

    rk = record_kinds(kb).get(kind)
    lang = lang if lang in ("en", "fr") else "en"
    found = (
        search_choices(kb, rk, path, q[:200], lang, search_index(request))
        if rk is not None
        else None
    )
    if found is None:
        return not_found(request, kb, f"/forms/{kind}/search?path={path}")
    return JSONResponse(
        {"results": [{"iri": iri, "name": name} for iri, name in found]},
        headers={"Cache-Control": "no-store"},
    )


@router.get("/forms/{kind}/choices", include_in_schema=False)
def form_choices(kind: str, request: Request, kb: KB, path: str = "", lang: str = "en") -> Response:
    """The records a link field of a kind's form may point to (Turtle), with their names."""
    from kb.web.form_shapes import choices_document, record_kinds

    rk = record_kinds(kb).get(kind)
    lang = lang if lang in ("en", "fr") else "en"
    body = choices_document(kb, rk, path, lang) if rk is not None else None
    if body is None:
        return not_found(request, kb, f"/forms/{kind}/choices?path={path}")
    return Response(body, media_type=TURTLE, headers={"Cache-Control": "no-store"})
