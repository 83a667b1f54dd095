"""What the request forms offer: the Council of Europe's member states and the themes.

Both are read from the store (the countries of `data/countries.ttl` typed
`alliance:MemberState`, the concepts of the themes scheme), with their names in English
and French, sorted as a reader of that language expects (ignoring case and diacritics:
"Åland" beside "Aland"). Read once per store generation: a curator's change shows up
at the next request.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kb.curation.request_fields import Choices
from kb.namespaces import SKOS
from kb.store.search_index import fold


@dataclass(frozen=True)
class Option:
    """One choice of a drop-down or check box: its value and its names by language."""

    value: str
    iri: str
    names: dict[str, str]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("en") or self.value


@dataclass(frozen=True)
class FormOptions:
    """The member states (value: ISO alpha-3) and the themes (value: the theme's slug)."""

    countries: tuple[Option, ...]
    themes: tuple[Option, ...]

    def sorted_countries(self, lang: str) -> list[Option]:
        return sorted(self.countries, key=lambda o: fold(o.name(lang)))

    def sorted_themes(self, lang: str) -> list[Option]:
        return sorted(self.themes, key=lambda o: fold(o.name(lang)))

    def choices(self, this_year: int) -> Choices:
        return Choices(
            frozenset(o.value for o in self.countries),
            frozenset(o.value for o in self.themes),
            this_year,
        )

    def country_iri(self, code: str) -> str:
        return next((o.iri for o in self.countries if o.value == code), "")

    def theme_iri(self, slug: str) -> str:
        return next((o.iri for o in self.themes if o.value == slug), "")


_cache: weakref.WeakKeyDictionary[Any, tuple[int, FormOptions]] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def form_options(store: Any, base_iri: str) -> FormOptions:
    """The member states and themes as the store holds them now."""
    generation = getattr(store, "generation", 0)
    with _cache_lock:
        cached = _cache.get(store)
        if cached is not None and cached[0] == generation:
            return cached[1]
    options = FormOptions(
        _options(store, f"{base_iri}ontology#MemberState", f"{base_iri}id/country/", None),
        _options(store, f"{SKOS}Concept", f"{base_iri}id/theme/", f"{base_iri}id/scheme/themes"),
    )
    with _cache_lock:
        _cache[store] = (generation, options)
    return options


def _options(store: Any, cls: str, prefix: str, scheme: str | None) -> tuple[Option, ...]:
    in_scheme = f"?x <{SKOS}inScheme> <{scheme}> ." if scheme else ""
    rows = store.select(
        f"SELECT ?x ?name WHERE {{ ?x a <{cls}> . {in_scheme} "
        f"OPTIONAL {{ ?x <{SKOS}prefLabel> ?name }} "
        f'FILTER(STRSTARTS(STR(?x), "{prefix}")) }}'
    )
    names: dict[str, dict[str, str]] = {}
    for row in rows:
        iri = row["x"].value
        found = names.setdefault(iri, {})
        name = row.get("name")
        if isinstance(name, ox.Literal) and name.language in ("en", "fr"):
            found.setdefault(name.language, name.value)
    return tuple(Option(iri[len(prefix) :], iri, by_lang) for iri, by_lang in sorted(names.items()))
