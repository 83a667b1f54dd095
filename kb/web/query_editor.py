"""The HTML query editor (YASGUI) with the example queries of `queries/*.rq`.

The SPARQL endpoint (`kb/web/sparql_endpoint.py`) answers browsers with `render_query_editor`;
the editor's assets are served from `/static/vendor/` (installed by `make web-assets`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
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
    title_fr: str = ""
    description_fr: str = ""

    def title_in(self, lang: str) -> str:
        return self.title_fr if lang == "fr" and self.title_fr else self.title

    def description_in(self, lang: str) -> str:
        return self.description_fr if lang == "fr" and self.description_fr else self.description


#: The comment lines a query file may start with (`# title-fr:` for French pages).
_HEADER_KEYS = ("title", "description", "title-fr", "description-fr")


def example_queries(queries_dir: Path, base_iri: str = CANONICAL_BASE_IRI) -> list[ExampleQuery]:
    """The `*.rq` files of a directory, with the title and description of their comment
    header (in English, and in French where `# title-fr:` / `# description-fr:` say).

    The files are written with the canonical base IRI; it is replaced by `base_iri`. Read
    again only when a file is added, removed or changed (the query editor and the guide
    list them on every request).
    """
    paths = sorted(queries_dir.glob("*.rq")) if queries_dir.is_dir() else []
    stamps = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    return list(read_example_queries(queries_dir, base_iri, stamps))


@lru_cache(maxsize=8)
def read_example_queries(
    queries_dir: Path, base_iri: str, stamps: tuple[tuple[str, int, int], ...]
) -> tuple[ExampleQuery, ...]:
    """`example_queries`, read from the files (`stamps`: their names, times and sizes)."""
    out = []
    for path in (queries_dir / name for name, _, _ in stamps):
        text = path.read_text(encoding="utf-8").replace(CANONICAL_BASE_IRI, base_iri)
        header: dict[str, str] = {}
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            key, sep, value = line.lstrip("# ").partition(":")
            if sep and key.strip().lower() in _HEADER_KEYS:
                header[key.strip().lower()] = value.strip()
        out.append(
            ExampleQuery(
                path.stem,
                header.get("title", path.stem),
                header.get("description", ""),
                text,
                header.get("title-fr", ""),
                header.get("description-fr", ""),
            )
        )
    return tuple(out)


#: The query editor's own words in French (YASGUI has no translations): its buttons,
#: switches, tabs and messages, by their English text; "{n}" stands for a number.
EDITOR_WORDS_FR: dict[str, str] = {
    "Table": "Tableau",
    "Response": "Réponse",
    "Simple view": "Valeurs simples",
    "Ellipse": "Abréger",
    "Page size:": "Lignes par page :",
    "All": "Toutes",
    "Show all": "Tout afficher",
    "Filter query results": "Filtrer les résultats",
    "Download result": "Télécharger le résultat",
    "Download Results": "Télécharger les résultats",
    "Download not supported": "Téléchargement impossible",
    "Run query": "Exécuter la requête",
    "Share query": "Partager la requête",
    "Add tab": "Nouvel onglet",
    "Add a new tab": "Ouvrir un nouvel onglet",
    "Close tab": "Fermer l’onglet",
    "Clear endpoint": "Effacer le point d’accès",
    "Open settings": "Réglages",
    "Settings": "Réglages",
    "Request method": "Méthode de requête",
    "Accept Headers": "En-têtes Accept",
    "Ask / Select": "Ask / Select",
    "Construct / Describe": "Construct / Describe",
    "Arguments": "Arguments",
    "Header Arguments": "En-têtes",
    "Default Graphs": "Graphes par défaut",
    "Named Graphs": "Graphes nommés",
    "Shows Table view": "Afficher le tableau",
    "Shows Response view": "Afficher la réponse",
    "cannot render result": "résultat impossible à afficher",
    "Try query in a new browser window": "Essayer la requête dans une nouvelle fenêtre",
    "{n} results in {n} seconds": "{n} résultats en {n} secondes",
    "1 result in {n} seconds": "1 résultat en {n} secondes",
    "Showing {n} to {n} of {n} entries": "Lignes {n} à {n} sur {n}",
    "Showing 0 to 0 of 0 entries": "Aucune ligne",
    "No data available in table": "Aucun résultat",
    "Previous": "Précédent",
    "Next": "Suivant",
}


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
        editor_words=EDITOR_WORDS_FR if page.lang == "fr" else {},
        headers={"Vary": "Accept"},
    )
