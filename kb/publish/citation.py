"""How to cite the knowledge base, or one record of it, in a release.

A citation names the release (`data/release.ttl`: its `dcat:version` and
`dcterms:issued`, never the clock), the dataset's title, who made it and who publishes
it (the publisher of the DCAT catalog, read from the data), and the persistent IRI of
what is cited. Three forms: plain text, BibTeX (`@misc`, which every BibTeX style
knows) and CSL-JSON (what Zotero, Pandoc and citeproc read). The DCAT catalog carries
the dataset's text form as `dcterms:bibliographicCitation`; `CITATION.cff` at the
repository's root says the same for software-minded tools (a test keeps them in step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kb.config import Settings
from kb.namespaces import FOAF, SKOS
from kb.publish.distribution import NoReleaseError, Release, current_release
from kb.publish.void import TITLE, void_dataset_iri
from kb.store.embedded import KnowledgeStore

#: The authors, as an organisation: the people who curate the knowledge base.
AUTHOR = "Roma Inclusion Alliance knowledge base contributors"


@dataclass(frozen=True)
class Citation:
    """A citation of the dataset (`record_title` empty) or of one record in it."""

    dataset_title: str
    version: str
    issued: str  # YYYY-MM-DD, the release's date
    iri: str  # what is cited
    dataset_iri: str
    publisher: str = ""
    record_title: str = ""
    author: str = AUTHOR

    @property
    def year(self) -> str:
        return self.issued[:4]

    @property
    def is_record(self) -> bool:
        return bool(self.record_title)

    def text(self) -> str:
        """One paragraph, author (year). Title. In dataset (version, date) [Data set]. IRI."""
        release = f"(version {self.version}, {self.issued}) [Data set]"
        publisher = f" {self.publisher}." if self.publisher else ""
        if self.is_record:
            return (
                f"{self.author} ({self.year}). {self.record_title}. In {self.dataset_title} "
                f"{release}.{publisher} {self.iri}"
            )
        return f"{self.author} ({self.year}). {self.dataset_title} {release}.{publisher} {self.iri}"

    def key(self) -> str:
        """A BibTeX key: `roma-alliance-0.1.0`, `roma-alliance-authority-ghent-0.1.0`."""
        tail = self.iri.rsplit("/id/", 1)[1] if self.is_record and "/id/" in self.iri else ""
        parts = (
            ["roma-alliance", *tail.split("/"), self.version]
            if tail
            else [
                "roma-alliance",
                self.version,
            ]
        )
        return re.sub(r"[^A-Za-z0-9.:-]+", "-", "-".join(p for p in parts if p))

    def bibtex(self) -> str:
        fields = [
            ("title", self.record_title or self.dataset_title),
            ("author", "{" + self.author + "}"),
            ("year", self.year),
            ("version", self.version),
            ("url", self.iri),
        ]
        if self.is_record:
            fields.insert(2, ("booktitle", self.dataset_title))
        if self.publisher:
            fields.append(("publisher", self.publisher))
        fields.append(("note", f"Data set, release {self.version} of {self.issued}"))
        body = ",\n".join(
            f"  {name} = {{{_bibtex_escape(value) if name != 'url' else value}}}"
            for name, value in fields
        )
        return f"@misc{{{self.key()},\n{body}\n}}\n"

    def csl_json(self) -> dict[str, Any]:
        year, month, day = (int(x) for x in self.issued.split("-"))
        data: dict[str, Any] = {
            "id": self.key(),
            "type": "entry" if self.is_record else "dataset",
            "title": self.record_title or self.dataset_title,
            "author": [{"literal": self.author}],
            "issued": {"date-parts": [[year, month, day]]},
            "version": self.version,
            "URL": self.iri,
        }
        if self.is_record:
            data["container-title"] = self.dataset_title
        if self.publisher:
            data["publisher"] = self.publisher
        return data


_BIBTEX_SPECIAL = re.compile(r"([&%$#_])")


def _bibtex_escape(text: str) -> str:
    """Characters BibTeX would read as commands, escaped; braces kept balanced."""
    text = text.replace("\\", r"\textbackslash{}")
    if text.startswith("{") and text.endswith("}"):
        return "{" + _BIBTEX_SPECIAL.sub(r"\\\1", text[1:-1]) + "}"
    text = text.replace("{", r"\{").replace("}", r"\}")
    return _BIBTEX_SPECIAL.sub(r"\\\1", text)


def _publisher_name(store: KnowledgeStore, settings: Settings) -> str:
    publisher = settings.record_iri("organisation", "congress")
    rows = store.select(
        f"SELECT ?l WHERE {{ VALUES ?p {{ <{SKOS}prefLabel> <{FOAF}name> }} <{publisher}> ?p ?l "
        f'FILTER(LANG(?l) = "en") }}'
    )
    names = sorted(r["l"].value for r in rows if isinstance(r["l"], ox.Literal))
    return names[0] if names else ""


def dataset_citation(
    store: KnowledgeStore, settings: Settings, release: Release | None = None
) -> Citation | None:
    """The citation of a release, by default the current one (None when the data has no
    release record)."""
    if release is None:
        try:
            release = current_release(store, settings)
        except NoReleaseError:
            return None
    return Citation(
        dataset_title=TITLE,
        version=release.version,
        issued=release.issued,
        iri=void_dataset_iri(settings),
        dataset_iri=void_dataset_iri(settings),
        publisher=_publisher_name(store, settings),
    )


def record_citation(
    store: KnowledgeStore, settings: Settings, iri: str, title: str
) -> Citation | None:
    """The citation of one record (by its IRI and name) in the current release."""
    dataset = dataset_citation(store, settings)
    if dataset is None:
        return None
    return Citation(
        dataset_title=dataset.dataset_title,
        version=dataset.version,
        issued=dataset.issued,
        iri=iri,
        dataset_iri=dataset.dataset_iri,
        publisher=dataset.publisher,
        record_title=title,
    )
