"""`/guide`: how to query the knowledge base, in English and French.

What is in it (the records by kind, counted live), a diagram of the model drawn from the
ontology at request time (`kb.web.model_diagram`, also alone at `/guide/model.svg`), the
prefixes with their namespaces (also as JSON at `/guide/prefixes.json`, which the query
editor reads to add a PREFIX line as soon as a user types a known prefix), ten questions
with their SPARQL (`queries/guide/*.rq`, each tested to run and return rows), and how to
trace a fact to its source (the provenance query of `queries/`, when the data has one).
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from kb.namespaces import STANDARD_PREFIXES, kb_prefixes
from kb.web.context import KnowledgeBase
from kb.web.pages import KB, Page, records_by_kind
from kb.web.query_editor import ExampleQuery, example_queries
from kb.web.table_formats import json_response

router = APIRouter()

#: Query files of `queries/` that trace facts to their sources, by the words of their name.
PROVENANCE_WORDS = ("provenance", "source-of", "where-from")

_diagrams: dict[tuple[int, int], str] = {}
_diagram_lock = threading.Lock()


def known_prefixes(kb: KnowledgeBase) -> dict[str, str]:
    """Every prefix a query on this knowledge base may use, with its namespace."""
    base = kb.settings.base_iri
    own = kb_prefixes(base)
    kinds = {f"{k}": f"{base}id/{k}/" for k in sorted(records_by_kind(kb))}
    return {**STANDARD_PREFIXES, **own, **kinds}


def model_svg(kb: KnowledgeBase) -> str:
    """The diagram, drawn once per store generation (the ontology may change)."""
    from kb.web.model_diagram import render_svg  # grandalf: on the first /guide, not at start

    key = (id(kb.store), int(getattr(kb.store, "generation", 0)))
    with _diagram_lock:
        if key not in _diagrams:
            _diagrams.clear()
            _diagrams[key] = render_svg(
                kb.store, kb.settings.graph_iri("ontology"), kb.settings.ontology_ns
            )
        return _diagrams[key]


def guide_questions(kb: KnowledgeBase) -> list[ExampleQuery]:
    return example_queries(kb.settings.queries_dir / "guide", kb.settings.base_iri)


def provenance_queries(kb: KnowledgeBase) -> list[ExampleQuery]:
    return [
        q
        for q in example_queries(kb.settings.queries_dir, kb.settings.base_iri)
        if any(word in q.name for word in PROVENANCE_WORDS)
    ]


def editor_link(query: str) -> str:
    """The query editor with this query loaded (the fragment never reaches the server)."""
    return "/sparql#query=" + quote(query, safe="")


def _question(q: ExampleQuery, lang: str) -> dict[str, Any]:
    body = "\n".join(line for line in q.text.splitlines() if not line.startswith("#")).strip()
    return {
        "name": q.name,
        "title": q.title_in(lang),
        "description": q.description_in(lang),
        "query": body,
        "href": editor_link(body),
    }


@router.api_route("/guide", methods=["GET", "HEAD"])
def guide(request: Request, kb: KB) -> Response:
    """How to query the knowledge base (HTML, English or French)."""
    page = Page(request, kb.settings)
    kinds = sorted(records_by_kind(kb).items())
    return page.render(
        "guide.html",
        title=page.t("guide_title"),
        kinds=[{"kind": k, "count": len(v), "href": f"/id/{k}/"} for k, v in kinds],
        triples=kb.store.triple_count(),
        diagram=Markup(model_svg(kb)),
        prefixes=sorted(known_prefixes(kb).items()),
        questions=[_question(q, page.lang) for q in guide_questions(kb)],
        provenance=[_question(q, page.lang) for q in provenance_queries(kb)],
    )


@router.api_route("/guide/model.svg", methods=["GET", "HEAD"])
def model(request: Request, kb: KB) -> Response:
    """The diagram of the model alone, as an SVG image."""
    return Response(model_svg(kb), media_type="image/svg+xml; charset=utf-8")


@router.api_route("/guide/prefixes.json", methods=["GET", "HEAD"])
def prefixes(request: Request, kb: KB) -> Response:
    """`{prefix: namespace}` for every prefix the knowledge base knows (the query editor's
    list: typing `alliance:` adds its PREFIX line)."""
    return json_response(known_prefixes(kb))
