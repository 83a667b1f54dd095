"""The HTML query editor (YASGUI) with the example queries of `queries/*.rq`.

The SPARQL endpoint (`kb/web/sparql_endpoint.py`) answers browsers with `render_query_editor`;
the editor's assets are served from `/static/vendor/` (installed by `make web-assets`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response

from kb.config import CANONICAL_BASE_IRI
from kb.web.context import KnowledgeBase
from kb.web.pages import NODE_MODULES, VENDOR_FILES, Page


@dataclass(frozen=True)
class ExampleQuery:
    name: str  # file stem
    title: str
    description: str
    text: str


def example_queries(queries_dir: Path, base_iri: str = CANONICAL_BASE_IRI) -> list[ExampleQuery]:
    """The `queries/*.rq` files, with the title and description of their comment header.

    The files are written with the canonical base IRI; it is replaced by `base_iri`.
    """
    out = []
    for path in sorted(queries_dir.glob("*.rq")) if queries_dir.is_dir() else []:
        text = path.read_text(encoding="utf-8").replace(CANONICAL_BASE_IRI, base_iri)
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
    examples = example_queries(kb.settings.queries_dir, kb.settings.base_iri)
    return page.render(
        "query.html",
        title=page.t("query_title"),
        examples=examples,
        examples_json=[{"name": e.name, "title": e.title, "query": e.text} for e in examples],
        editor_installed=(NODE_MODULES / VENDOR_FILES["yasgui/yasgui.min.js"]).is_file(),
        headers={"Vary": "Accept"},
    )
