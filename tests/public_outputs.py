"""Every public output of a running site, as text to search: for the privacy tests.

`public_texts(client, data_dir)` yields (where, text) for:

* every page and file the site links, followed from `/` as an anonymous visitor would
  (HTML pages, record alternates, dumps, the catalog, the history and its Atom feed...),
  gzip files decompressed;
* the whole store through `/sparql` (every quad of every graph, as N-Quads-like rows);
* an `alliance-kb export` of the data directory (every file);
* the files of the data directory.

A client is a Starlette `TestClient` or an `httpx.Client` with a `base_url`: both take paths.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tempfile
from collections import deque
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
#: More links than this means the crawl is lost (a loop of generated addresses).
MAX_PAGES = 4000
SKIPPED_PARAMETERS = ("lang", "sort", "next")
RDF_SUFFIXES = (".ttl", ".jsonld", ".nt", ".rdf")
ALL_QUADS = "SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


class Links(HTMLParser):
    """The `href` and `src` addresses of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append(value)


def local_links(page_path: str, html: str) -> list[str]:
    """The page's links to this site, as paths with their query.

    Lists link to every combination of their facets and sort orders, each page to itself in
    the other language (the same data in other interface words) and to the login form
    (`next=` itself): a link is followed with at most one parameter, without `lang`, `sort`
    or `next`, so the crawl sees every page and every facet once, not their combinations.
    A record's other formats (`/id/...ttl`, `.jsonld`, `.nt`, `.rdf`) are its triples in the
    store, searched whole through `/sparql` (`sparql_everything`).
    """
    parser = Links()
    parser.feed(html)
    out = []
    for link in parser.found:
        target, _ = urldefrag(urljoin("http://site" + page_path, link))
        parts = urlsplit(target)
        if parts.scheme != "http" or parts.netloc != "site":
            continue
        query = [(k, v) for k, v in parse_qsl(parts.query) if k not in SKIPPED_PARAMETERS]
        if len(query) > 1 or (parts.path.startswith("/id/") and parts.path.endswith(RDF_SUFFIXES)):
            continue
        out.append(parts.path + (f"?{urlencode(query)}" if query else ""))
    return out


def text_of(body: bytes) -> str:
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    return body.decode("utf-8", errors="replace")


def crawl(client: Any, start: str = "/") -> Iterator[tuple[str, str]]:
    """Every local address reachable from `start` by links, with its body as text."""
    seen = {start}
    todo = deque([start])
    while todo:
        path = todo.popleft()
        answer = client.get(path, headers=BROWSER)
        assert answer.status_code < 500, f"{path}: {answer.status_code}"
        text = text_of(answer.content)
        yield path, text
        if "html" in answer.headers.get("content-type", ""):
            for link in local_links(path, text):
                if link not in seen:
                    seen.add(link)
                    todo.append(link)
        assert len(seen) < MAX_PAGES, f"more than {MAX_PAGES} links: the crawl is lost"


def sparql_everything(client: Any) -> str:
    answer = client.get(
        "/sparql", params={"query": ALL_QUADS}, headers={"Accept": "text/tab-separated-values"}
    )
    assert answer.status_code == 200, answer.text[:300]
    return str(answer.text)


def exported(data_dir: Path) -> Iterator[tuple[str, str]]:
    """Every file `alliance-kb export` writes for `data_dir`."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "export"
        env = {"ALLIANCE_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}
        done = subprocess.run(
            [sys.executable, "-m", "kb", "export", "--out", str(out), "--quiet"],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr
        files = sorted(p for p in out.rglob("*") if p.is_file())
        assert any(p.name == "alliance.nt.gz" for p in files)
        for path in files:
            yield f"export:{path.relative_to(out)}", text_of(path.read_bytes())


def public_texts(client: Any, data_dir: Path) -> Iterator[tuple[str, str]]:
    """Every public output of the site and of its data directory (see the module)."""
    yield from crawl(client)
    yield "/sparql (every quad)", sparql_everything(client)
    yield from exported(data_dir)
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        yield f"data:{path.relative_to(data_dir)}", text_of(path.read_bytes())


def leaks(texts: Iterator[tuple[str, str]], secrets: list[str]) -> tuple[list[str], list[str]]:
    """(where each secret was found, every place searched)."""
    found, searched = [], []
    for where, text in texts:
        searched.append(where)
        folded = text.casefold()
        found += [f"{where}: {s}" for s in secrets if s.casefold() in folded]
    return found, searched
