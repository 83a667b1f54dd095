"""Is this city already in the knowledge base? Names compared as people misspell them.

A request names an authority (or an NGO) in its own words: "Municipality of Szeged",
"SZEGED", "Szegedd". `name_key` folds case and diacritics ("Şişli" → "sisli", through
the search index's `fold`) and keeps letters and digits as space-separated words;
`similarity(a, b)` says how two names compare:

* `same`: equal once folded ("Łódź" and "LODZ");
* `contained`: the shorter name's words appear in order in the longer one ("Szeged" in
  "City of Szeged"), the shorter being at least 4 letters long;
* `similar`: an edit distance (Levenshtein: letters inserted, deleted or replaced) of at
  most 1 for names up to 5 letters, 2 up to 12, 3 beyond ("Szegedd", "Vitez" / "Vitesz").

`similar_records(candidates, names, country)` applies it to the records of the store
(`Candidate`: an IRI, its names, its country), keeping those in the same country, and
those whose country is not recorded (flagged so, since they may be the same place).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kb.store.search_index import fold

_NON_WORD = re.compile(r"[^0-9a-z]+")


def name_key(name: str) -> str:
    """A name folded for comparison: lower case, no diacritics, words of letters and digits."""
    return " ".join(w for w in _NON_WORD.split(fold(name)) if w)


def edit_distance(a: str, b: str, bound: int) -> int:
    """Levenshtein distance between `a` and `b`, or `bound + 1` once it is known to exceed
    `bound` (the comparison stops early)."""
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > bound:
            return bound + 1
        previous = current
    return previous[-1]


def allowed_distance(length: int) -> int:
    return 1 if length <= 5 else 2 if length <= 12 else 3


def similarity(a: str, b: str) -> tuple[str, int] | None:
    """How two names compare: ("same", 0), ("contained", 0), ("similar", distance) or None."""
    return keys_similarity(name_key(a), name_key(b))


def keys_similarity(ka: str, kb: str) -> tuple[str, int] | None:
    """`similarity` of two names already folded by `name_key`."""
    if not ka or not kb:
        return None
    if ka == kb:
        return ("same", 0)
    short, long = sorted((ka, kb), key=len)
    if len(short.replace(" ", "")) >= 4 and f" {short} " in f" {long} ":
        return ("contained", 0)
    bound = allowed_distance(min(len(ka), len(kb)))
    distance = edit_distance(ka, kb, bound)
    if distance <= bound:
        return ("similar", distance)
    return None


@dataclass(frozen=True)
class Candidate:
    """A record that might be the one a request names."""

    iri: str
    label: str
    names: tuple[str, ...]
    #: The country's IRI, "" when the record has none.
    country: str = ""


@dataclass(frozen=True)
class Match:
    """A record found like a requested name: why, and whether its country is unknown."""

    iri: str
    label: str
    how: str
    distance: int
    matched_name: str
    requested_name: str
    country_unknown: bool

    def to_json(self) -> dict[str, object]:
        return {
            "iri": self.iri,
            "label": self.label,
            "how": self.how,
            "distance": self.distance,
            "matched_name": self.matched_name,
            "requested_name": self.requested_name,
            "country_unknown": self.country_unknown,
        }


_RANK = {"same": 0, "contained": 1, "similar": 2}


def similar_records(
    candidates: Iterable[Candidate], names: Sequence[str], country: str | None
) -> list[Match]:
    """The candidates with a name like one of `names`, best match first.

    With a `country` (an IRI), only candidates in that country or with none recorded;
    with None, every candidate.
    """
    return NameIndex(candidates).similar(names, country)


class NameIndex:
    """Candidates ready to be searched many times: their names folded once, grouped by
    country and by the length of the folded name (a name a few letters apart has about the
    same length; one that contains another, or is contained, is looked up by its words)."""

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        #: country → length → [(folded name, name, candidate)]
        self.by_length: dict[str, dict[int, list[tuple[str, str, Candidate]]]] = {}
        #: country → word → [(folded name, name, candidate)]
        self.by_word: dict[str, dict[str, list[tuple[str, str, Candidate]]]] = {}
        for candidate in candidates:
            for own in dict.fromkeys(candidate.names):
                key = name_key(own)
                if not key:
                    continue
                entry = (key, own, candidate)
                lengths = self.by_length.setdefault(candidate.country, {})
                lengths.setdefault(len(key), []).append(entry)
                words = self.by_word.setdefault(candidate.country, {})
                for word in set(key.split()):
                    words.setdefault(word, []).append(entry)

    def similar(self, names: Sequence[str], country: str | None) -> list[Match]:
        """As `similar_records` (see there)."""
        countries = [country, ""] if country else list(self.by_length)
        found: dict[str, Match] = {}
        for name in dict.fromkeys(n for n in names if n.strip()):
            key = name_key(name)
            if not key:
                continue
            bound = allowed_distance(len(key))
            for where in countries:
                for own_key, own, candidate in self._near(where, key, bound):
                    how = keys_similarity(key, own_key)
                    if how is None:
                        continue
                    unknown = bool(country) and not candidate.country
                    match = Match(
                        candidate.iri, candidate.label, how[0], how[1], own, name, unknown
                    )
                    best = found.get(candidate.iri)
                    if best is None or (_RANK[match.how], match.distance) < (
                        _RANK[best.how],
                        best.distance,
                    ):
                        found[candidate.iri] = match
        return sorted(found.values(), key=lambda m: (_RANK[m.how], m.distance, m.label))

    def _near(self, country: str, key: str, bound: int) -> list[tuple[str, str, Candidate]]:
        """The entries that may compare with `key`: of a length within `bound` (same or
        similar), or sharing a word with it (one name containing the other)."""
        lengths = self.by_length.get(country, {})
        entries = [
            e for n in range(len(key) - bound, len(key) + bound + 1) for e in lengths.get(n, [])
        ]
        words = self.by_word.get(country, {})
        for word in set(key.split()):
            entries += words.get(word, [])
        return entries
