"""Full-text search over the records and vocabulary concepts (SQLite FTS5).

What is searched: the names (`skos:prefLabel`, `skos:altLabel`, `dcterms:title`,
`foaf:name`, `rdfs:label`, `schema:name`, `dcterms:identifier`, `skos:notation`) and
the texts (`dcterms:description`, `skos:definition`, `alliance:awardedFor`,
`alliance:statedText`) of every subject under `{base}id/`, in every language.
Matching ignores case and diacritics: text and query are both folded (`fold`:
"Şişli" → "sisli", "Grèce" → "grece", "Łódź" → "lodz") before SQLite's `unicode61`
tokenizer sees them, and the last word of a query also matches as a prefix (`jyv`
finds Jyväskylä). Ranking: a name equal to the query first, then a name starting
with it, then other names, then texts; within each, the shortest text first.

The index is built from the store (one SELECT per kind of text, so an external store
serves too) into an SQLite file: next to an on-disk store, where it is reused while
the store's content hash is unchanged, or in a temporary directory for an in-memory
store. `SearchIndex.start` builds it in a background thread so start-up is not held
up at a million triples; `search` waits for it a little and then says it is not
ready (`IndexNotReady`). `apply_change` (the listener given to the store's
`subscribe`) re-reads from the store the records a change touched, and the records
whose shown name depends on them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from kb.namespaces import DCTERMS, FOAF, ORG, RDFS, SCHEMA, SKOS
from kb.store.embedded import KnowledgeStore

log = logging.getLogger("kb.store.search_index")

#: Version of the file layout: an index written by another version is rebuilt.
SCHEMA_VERSION = "1"
#: File name of the index next to an on-disk store.
INDEX_FILE = "search.sqlite"

#: Properties whose literals name a record, best first for the shown label.
NAME_PROPERTIES = (
    SKOS + "prefLabel",
    DCTERMS + "title",
    FOAF + "name",
    RDFS + "label",
    SCHEMA + "name",
    SKOS + "altLabel",
    DCTERMS + "identifier",
    SKOS + "notation",
)
#: Properties that may give the shown label (the others are searched, not shown).
LABEL_PROPERTIES = NAME_PROPERTIES[:5]
#: Properties whose literals describe a record (`alliance:` ones are added per base IRI).
TEXT_PROPERTIES = (DCTERMS + "description", SKOS + "definition")
TEXT_TERMS = ("awardedFor", "statedText")
#: Links whose targets name a record that has no name of its own (an award is
#: "laureate · edition"), by ontology local name or full IRI, in the order shown.
NAMING_LINKS = (
    "laureate",
    "edition",
    ORG + "member",
    ORG + "organization",
    "onBehalfOf",
    "signedDocument",
    "implementedBy",
    "measure",
    "about",
)
#: Languages the shown labels are kept in ("" is a literal without language).
LABEL_LANGUAGES = ("en", "fr")

#: Letters NFKD does not take apart, and what a reader types for them.
_EXTRA_FOLDS = str.maketrans(
    {
        "ı": "i",
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "ħ": "h",
        "ŀ": "l",
        "’": "'",
    }
)
_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Lower case without diacritics, for matching: "Şişli" → "sisli", "Œuvre" → "oeuvre"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped.translate(_EXTRA_FOLDS))


def query_words(text: str) -> list[str]:
    """The folded words of a query (what is matched)."""
    return _WORD.findall(fold(text))


class IndexNotReady(Exception):
    """The index is still being built (with how far it got, 0 to 1)."""

    def __init__(self, progress: float) -> None:
        super().__init__(f"the search index is being built ({progress:.0%} done)")
        self.progress = progress


class ChangeLike(Protocol):
    """What `apply_change` reads of a change: the quads removed and added."""

    @property
    def removed(self) -> Sequence[ox.Quad]: ...

    @property
    def added(self) -> Sequence[ox.Quad]: ...


@dataclass(frozen=True)
class Hit:
    """One record found: its IRI, kind, name in each language, and the text matched."""

    iri: str
    kind: str
    labels: dict[str, str]
    matched: str
    exact: bool

    def label(self, lang: str) -> str:
        """The name in `lang`, else English, else any."""
        for wanted in (lang, "en", ""):
            if self.labels.get(wanted):
                return self.labels[wanted]
        return next(iter(self.labels.values()), self.iri.rsplit("/", 1)[-1])


@dataclass
class SearchResult:
    """A page of hits, the number of records matched, and that number per kind."""

    query: str
    total: int
    hits: list[Hit]
    kinds: dict[str, int] = field(default_factory=dict)


@dataclass
class _Entry:
    """One searched text of a record (a row of `docs`)."""

    iri: str
    kind: str
    field: str  # "name" or "text"
    lang: str
    value: str


_DDL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records(
    iri TEXT PRIMARY KEY, kind TEXT NOT NULL, labels TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs(
    id INTEGER PRIMARY KEY, iri TEXT NOT NULL, kind TEXT NOT NULL, field TEXT NOT NULL,
    lang TEXT NOT NULL, value TEXT NOT NULL, norm TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS docs_iri ON docs(iri);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    norm, content='docs', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
"""

#: Best tier of a record's matching texts: 0 a name equal to the query, 1 a name
#: starting with it, 2 another name, 3 a text; within a tier the shortest matching text
#: first (the closest to the query). FTS5's BM25 (`rank`) is not used: on texts this
#: short it orders by length much the same, at 6 µs a match (150 ms for the 26,000
#: matches of "dosta" at a million triples).
_SEARCH = """
WITH matched AS (SELECT rowid AS id FROM fts WHERE fts MATCH :match),
ranked AS (
    SELECT d.iri AS iri, d.kind AS kind,
           MIN(CASE WHEN d.field = 'name' AND d.norm = :folded THEN 0
                    WHEN d.field = 'name' AND substr(d.norm, 1, length(:folded)) = :folded
                         THEN 1
                    WHEN d.field = 'name' THEN 2 ELSE 3 END) AS tier,
           MIN(length(d.norm)) AS score
    FROM matched m JOIN docs d ON d.id = m.id
    WHERE (:kind = '' OR d.kind = :kind)
    GROUP BY d.iri
)
SELECT r.iri, r.kind, r.tier, r.score, rec.labels,
       (SELECT value FROM docs x WHERE x.iri = r.iri AND x.field = 'name'
            AND x.norm = :folded LIMIT 1) AS exact_name
FROM ranked r JOIN records rec ON rec.iri = r.iri
ORDER BY r.tier, r.score, r.iri
LIMIT :limit OFFSET :offset
"""

_KIND_COUNTS = """
SELECT d.kind, COUNT(DISTINCT d.iri) FROM fts JOIN docs d ON d.id = fts.rowid
WHERE fts MATCH :match GROUP BY d.kind
"""


def _match_expression(words: list[str]) -> str:
    """An FTS5 query: every word, the last one also as a prefix ("sis" finds Şişli)."""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " AND ".join(quoted)


class SearchIndex:
    """The search index of one store (see the module's docstring)."""

    def __init__(
        self,
        store: KnowledgeStore,
        base_iri: str,
        path: Path | None = None,
        content_hash: str = "",
    ) -> None:
        self.store = store
        self.records_prefix = f"{base_iri}id/"
        ontology = f"{base_iri}ontology#"
        self.text_properties = TEXT_PROPERTIES + tuple(ontology + t for t in TEXT_TERMS)
        self.naming_links = tuple(p if "://" in p else ontology + p for p in NAMING_LINKS)
        self.content_hash = content_hash
        self._tempdir: str | None = None
        if path is None:
            self._tempdir = tempfile.mkdtemp(prefix="alliance-search-")
            path = Path(self._tempdir) / INDEX_FILE
        self.path = path
        self._ready = threading.Event()
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._pending: set[str] = set()
        self._progress = 0.0
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.reused = False

    # -- life cycle ------------------------------------------------------------------------

    def start(self, background: bool = True) -> None:
        """Reuse the file if it was built from the same content, else build it."""
        if self._reusable():
            self.reused = True
            log.info("search index: reusing %s (content unchanged)", self.path)
            self._ready.set()
            return
        if background:
            self._thread = threading.Thread(target=self._build_guarded, name="search-index")
            self._thread.daemon = True
            self._thread.start()
        else:
            self._build()

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    @property
    def progress(self) -> float:
        return 1.0 if self.ready else self._progress

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join(timeout=60)
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)

    def _reusable(self) -> bool:
        if not self.content_hash or not self.path.exists():
            return False
        try:
            with contextlib.closing(sqlite3.connect(self.path)) as conn:
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error:
            return False
        return (
            meta.get("content_hash") == self.content_hash
            and meta.get("schema") == SCHEMA_VERSION
            and meta.get("complete") == "yes"
        )

    def _build_guarded(self) -> None:
        try:
            self._build()
        except Exception as exc:  # the server keeps serving; /search says why
            self.error = exc
            log.exception("search index: build failed")

    def _build(self) -> None:
        """Write a fresh index to a temporary file next to `path`, then swap it in."""
        log.info("search index: building %s", self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # per process: replicas sharing a store location may build at the same time
        partial = self.path.with_name(f"{self.path.name}.partial-{os.getpid()}")
        partial.unlink(missing_ok=True)
        with contextlib.closing(sqlite3.connect(partial)) as conn:
            conn.executescript(_DDL)
            entries, labels = self._read(None)
            self._progress = 0.5
            with conn:
                self._insert(conn, entries, labels)
                conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
                conn.executemany(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                    [
                        ("content_hash", self.content_hash),
                        ("schema", SCHEMA_VERSION),
                        ("complete", "yes"),
                    ],
                )
        partial.replace(self.path)
        with self._write_lock:
            self._ready.set()
            pending, self._pending = self._pending, set()
        if pending:
            self.reindex(pending)
        log.info("search index: %d records, %d texts", len(labels), len(entries))

    # -- reading the store -----------------------------------------------------------------

    def _values_clause(self, iris: Iterable[str] | None) -> str:
        if iris is None:
            return ""
        return "VALUES ?s { " + " ".join(f"<{i}>" for i in sorted(iris)) + " } "

    def _read(self, iris: Iterable[str] | None) -> tuple[list[_Entry], dict[str, dict[str, str]]]:
        """The searched texts and shown labels of the records (all, or those `iris`)."""
        iris = sorted(set(iris)) if iris is not None else None
        entries: list[_Entry] = []
        names: dict[str, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
        for fld, props in (("name", NAME_PROPERTIES), ("text", self.text_properties)):
            for row in self._literals(iris, props):
                s, p, o = row["s"], row["p"], row["o"]
                if not isinstance(o, ox.Literal) or not isinstance(s, ox.NamedNode):
                    continue
                kind = self.kind_of(s.value)
                if kind is None:
                    continue
                lang = o.language or ""
                entries.append(_Entry(s.value, kind, fld, lang, o.value))
                if p is not None and p.value in LABEL_PROPERTIES:
                    names[s.value][lang].append((LABEL_PROPERTIES.index(p.value), o.value))
        labels = {
            iri: {lang: min(found)[1] for lang, found in by_lang.items()}
            for iri, by_lang in names.items()
        }
        unnamed = {e.iri for e in entries} - set(labels)
        if unnamed:
            # every record at once (a VALUES of thousands of IRIs is far slower), or the few
            derived = self._derived_labels(unnamed if iris is not None else None)
            labels.update({i: found for i, found in derived.items() if i in unnamed})
        for e in entries:
            labels.setdefault(e.iri, {})
        return entries, labels

    def _literals(self, iris: list[str] | None, props: Sequence[str]) -> list[Any]:
        values = " ".join(f"<{p}>" for p in props)
        if iris is not None:
            if not iris:
                return []
            return self.store.select(
                f"SELECT ?s ?p ?o WHERE {{ {self._values_clause(iris)}"
                f"VALUES ?p {{ {values} }} ?s ?p ?o FILTER(isLiteral(?o)) }}"
            )
        return self.store.select(
            f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o "
            f"FILTER(isLiteral(?o) && STRSTARTS(STR(?s), {json.dumps(self.records_prefix)})) }}"
        )

    def _derived_labels(self, iris: set[str] | None) -> dict[str, dict[str, str]]:
        """Names for records without one, from what they link to ("Ghent · 5th edition"):
        of these `iris`, or (None) of every record that links by a naming link."""
        links = " ".join(f"<{p}>" for p in self.naming_links)
        label_props = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
        texts = " ".join(f"<{p}>" for p in self.text_properties)
        within = (
            self._values_clause(iris)
            if iris is not None
            # only records with a text can be found without a name of their own
            else f"FILTER(STRSTARTS(STR(?s), {json.dumps(self.records_prefix)}) "
            f"&& EXISTS {{ VALUES ?tp {{ {texts} }} ?s ?tp ?text }}) "
        )
        rows = self.store.select(
            f"SELECT ?s ?p ?l WHERE {{ VALUES ?p {{ {links} }} ?s ?p ?o . "
            f"VALUES ?lp {{ {label_props} }} ?o ?lp ?l . {within}}}"
        )
        parts: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
        for row in rows:
            s, p, lit = row["s"], row["p"], row["l"]
            if isinstance(lit, ox.Literal) and s is not None and p is not None:
                parts[s.value][p.value].setdefault(lit.language or "", lit.value)
        out: dict[str, dict[str, str]] = {}
        for iri, by_link in parts.items():
            labels = {}
            for lang in (*LABEL_LANGUAGES, ""):
                words = []
                for link in self.naming_links:
                    found = by_link.get(link)
                    if found:
                        words.append(found.get(lang) or found.get("en") or min(found.values()))
                if words:
                    labels[lang] = " · ".join(words)
            out[iri] = labels
        return out

    def kind_of(self, iri: str) -> str | None:
        """`authority` for `{base}id/authority/ghent`; None outside the records."""
        if not iri.startswith(self.records_prefix):
            return None
        kind, _, slug = iri[len(self.records_prefix) :].partition("/")
        return kind if kind and slug and "/" not in slug else None

    # -- writing ---------------------------------------------------------------------------

    def _insert(
        self, conn: sqlite3.Connection, entries: list[_Entry], labels: dict[str, dict[str, str]]
    ) -> None:
        conn.executemany(
            "INSERT OR REPLACE INTO records(iri, kind, labels) VALUES (?, ?, ?)",
            [
                (iri, self.kind_of(iri), json.dumps(found, ensure_ascii=False))
                for iri, found in labels.items()
            ],
        )
        start = conn.execute("SELECT COALESCE(MAX(id), 0) FROM docs").fetchone()[0] + 1
        rows = [
            (start + i, e.iri, e.kind, e.field, e.lang, e.value, " ".join(query_words(e.value)))
            for i, e in enumerate(entries)
        ]
        conn.executemany(
            "INSERT INTO docs(id, iri, kind, field, lang, value, norm) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.executemany("INSERT INTO fts(rowid, norm) VALUES (?, ?)", [(r[0], r[6]) for r in rows])

    def apply_change(self, change: ChangeLike, generation: int | None = None) -> None:
        """Listener for the store's `subscribe`: re-read the records the change touched."""
        touched = {
            term.value
            for quad in (*change.removed, *change.added)
            for term in (quad.subject, quad.object)
            if isinstance(term, ox.NamedNode) and self.kind_of(term.value) is not None
        }
        if touched:
            self.reindex(touched)

    def reindex(self, iris: Iterable[str]) -> None:
        """Read these records (and those named after them) from the store again."""
        iris = {i for i in iris if self.kind_of(i) is not None}
        if not iris:
            return
        with self._write_lock:
            if not self._ready.is_set():
                self._pending |= iris
                return
            iris |= self._named_after(iris)
            entries, labels = self._read(iris)
            conn = self._connection()
            with conn:
                placeholders = ",".join("?" * len(iris))
                old = conn.execute(
                    f"SELECT id, norm FROM docs WHERE iri IN ({placeholders})", sorted(iris)
                ).fetchall()
                conn.executemany("INSERT INTO fts(fts, rowid, norm) VALUES ('delete', ?, ?)", old)
                conn.execute(f"DELETE FROM docs WHERE iri IN ({placeholders})", sorted(iris))
                conn.execute(f"DELETE FROM records WHERE iri IN ({placeholders})", sorted(iris))
                self._insert(conn, entries, labels)
                conn.execute("UPDATE meta SET value = '' WHERE key = 'content_hash'")

    def _named_after(self, iris: set[str]) -> set[str]:
        """Records whose shown name is made from one of `iris` (an award from its laureate)."""
        links = " ".join(f"<{p}>" for p in self.naming_links)
        targets = " ".join(f"<{i}>" for i in sorted(iris))
        rows = self.store.select(
            f"SELECT DISTINCT ?s WHERE {{ VALUES ?o {{ {targets} }} VALUES ?p {{ {links} }} "
            f"?s ?p ?o }}"
        )
        return {r["s"].value for r in rows if isinstance(r["s"], ox.NamedNode)}

    # -- searching -------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
        return conn

    def search(
        self,
        text: str,
        kind: str = "",
        limit: int = 20,
        offset: int = 0,
        wait_s: float = 2.0,
    ) -> SearchResult:
        """Records matching every word of `text`, best first (see the module docstring)."""
        words = query_words(text)
        if not words:
            return SearchResult(text, 0, [])
        if not self._ready.wait(wait_s):
            if self.error is not None:
                raise RuntimeError(f"the search index could not be built: {self.error}")
            raise IndexNotReady(self.progress)
        match = _match_expression(words)
        folded = " ".join(words)
        conn = self._connection()
        rows = conn.execute(
            _SEARCH,
            {
                "match": match,
                "folded": folded,
                "kind": kind,
                "limit": limit,
                "offset": offset,
            },
        ).fetchall()
        kinds = dict(conn.execute(_KIND_COUNTS, {"match": match}).fetchall())
        total = kinds.get(kind, 0) if kind else sum(kinds.values())
        hits = [
            Hit(iri, kind_, json.loads(labels), exact or "", tier == 0)
            for iri, kind_, tier, _score, labels, exact in rows
        ]
        return SearchResult(text, total, hits, kinds)

    def __iter__(self) -> Iterator[str]:
        """Every indexed record's IRI (for tests and the benchmark)."""
        yield from (r[0] for r in self._connection().execute("SELECT iri FROM records"))


def open_search_index(
    store: KnowledgeStore,
    base_iri: str,
    store_location: Path | None,
    content_hash: str,
    background: bool = True,
) -> SearchIndex:
    """The index of `store`: next to an on-disk store (reused while the content is the
    same), else in a temporary directory; started (built or reused)."""
    path = store_location / INDEX_FILE if store_location is not None else None
    index = SearchIndex(store, base_iri, path, content_hash if path else "")
    index.start(background=background)
    return index
