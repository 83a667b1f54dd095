"""`/dumps/`, `/dumps/{file}`, `/catalog`, `/.well-known/void` and `/context.jsonld` over
HTTP: listings, ETag and 304, Range and 206, gzip, no way out of the dump directory, content
negotiation, and dumps that match what /sparql answers."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from kb.config import Settings

BASE = "https://w3id.org/roma-alliance/"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    import server

    settings = Settings(dumps_dir=tmp_path_factory.mktemp("served"), validate_on_start=False)
    with TestClient(server.create_app(settings)) as client:
        yield client


def listing(client: TestClient) -> dict[str, dict[str, object]]:
    response = client.get("/dumps/", headers={"accept": "application/json"})
    assert response.status_code == 200
    return {f["name"]: f for f in response.json()["files"]}


def test_listing_gives_sizes_checksums_and_dates_of_the_files(client: TestClient) -> None:
    files = listing(client)
    assert {"alliance.ttl", "alliance.nt.gz", "catalog.ttl", "SHA256SUMS"} <= set(files)
    for name in ("alliance.ttl", "csv/authority.csv", "SHA256SUMS"):
        body = client.get(f"/dumps/{name}", headers={"accept-encoding": "identity"}).content
        assert files[name]["size"] == len(body)
        assert files[name]["sha256"] == hashlib.sha256(body).hexdigest()
    assert str(files["alliance.ttl"]["modified"]).endswith("GMT")


def test_listing_is_html_for_browsers(client: TestClient) -> None:
    response = client.get("/dumps/", headers={"accept": "text/html,*/*;q=0.8"})
    assert response.headers["content-type"].startswith("text/html")
    assert 'href="/dumps/alliance.ttl"' in response.text
    assert hashlib.sha256(b"").hexdigest() not in response.text


def test_download_has_a_strong_etag_and_revalidates_with_304(client: TestClient) -> None:
    plain = {"accept-encoding": "identity"}
    response = client.get("/dumps/alliance.ttl", headers=plain)
    assert response.status_code == 200
    etag = response.headers["etag"]
    assert etag == f'"{hashlib.sha256(response.content).hexdigest()}"'
    assert not etag.startswith("W/")
    modified = response.headers["last-modified"]
    again = client.get("/dumps/alliance.ttl", headers={**plain, "if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    since = client.get("/dumps/alliance.ttl", headers={**plain, "if-modified-since": modified})
    assert since.status_code == 304
    stale = client.get("/dumps/alliance.ttl", headers={**plain, "if-none-match": '"other"'})
    assert stale.status_code == 200


def test_range_requests_get_206_and_416(client: TestClient) -> None:
    full = client.get("/dumps/alliance.nt.gz").content
    part = client.get("/dumps/alliance.nt.gz", headers={"range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == full[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(full)}"
    tail = client.get("/dumps/alliance.nt.gz", headers={"range": "bytes=-5"})
    assert tail.status_code == 206 and tail.content == full[-5:]
    beyond = client.get("/dumps/alliance.nt.gz", headers={"range": f"bytes={len(full)}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(full)}"
    etag = part.headers["etag"]
    changed = client.get(
        "/dumps/alliance.nt.gz", headers={"range": "bytes=0-9", "if-range": '"older"'}
    )
    assert changed.status_code == 200 and changed.content == full
    same = client.get("/dumps/alliance.nt.gz", headers={"range": "bytes=0-9", "if-range": etag})
    assert same.status_code == 206


def test_gzip_for_clients_that_accept_it_but_never_for_the_nt_gz(client: TestClient) -> None:
    raw = client.get("/dumps/alliance.ttl", headers={"accept-encoding": "identity"})
    zipped = client.get("/dumps/alliance.ttl", headers={"accept-encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["etag"] != raw.headers["etag"]
    assert "accept-encoding" in zipped.headers["vary"].lower()
    assert zipped.content == raw.content  # httpx decodes
    assert int(zipped.headers["content-length"]) < len(raw.content)
    nt = client.get("/dumps/alliance.nt.gz", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in nt.headers
    assert nt.headers["content-type"] == "application/gzip"
    assert gzip.decompress(nt.content).startswith(b"<")


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/..%2Fpyproject.toml",
        "/dumps/%2e%2e/%2e%2e/etc/passwd",
        "/dumps/csv/..%2F..%2Fserver.py",
        "/dumps//etc/passwd",
        "/dumps/SHA256SUMS%00.txt",
    ],
)
def test_no_way_out_of_the_dump_directory(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert b"import" not in response.content and b"root:" not in response.content


@pytest.mark.parametrize(
    ("path", "fmt"),
    [("/catalog", ox.RdfFormat.TURTLE), ("/.well-known/void", ox.RdfFormat.TURTLE)],
)
def test_catalog_and_void_by_content_negotiation(
    client: TestClient, path: str, fmt: ox.RdfFormat
) -> None:
    graphs = {}
    for accept, parse_as in [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ]:
        response = client.get(path, headers={"accept": accept})
        assert response.status_code == 200, accept
        assert response.headers["content-type"].startswith(accept)
        assert "accept" in response.headers["vary"].lower()
        graphs[accept] = set(ox.parse(response.content, format=parse_as))
    assert len({frozenset(g) for g in graphs.values()}) == 1, "the same graph in every format"
    page = client.get(path, headers={"accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert client.get(path, headers={"accept": "image/png"}).status_code == 406


def test_dumps_match_what_sparql_answers(client: TestClient) -> None:
    nt = gzip.decompress(client.get("/dumps/alliance.nt.gz").content)
    query = "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"
    response = client.get(
        "/sparql", params={"query": query}, headers={"accept": "application/sparql-results+json"}
    )
    count = int(response.json()["results"]["bindings"][0]["n"]["value"])
    assert len(nt.splitlines()) == count
    void = client.get("/.well-known/void", headers={"accept": "text/turtle"}).text
    assert f"void:triples {count} " in void


def test_feed_and_context_are_served(client: TestClient) -> None:
    feed = client.get("/dumps/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert b"<feed" in feed.content
    context = client.get("/context.jsonld")
    assert context.headers["access-control-allow-origin"] == "*"
    assert json.loads(context.content)["@context"]["alliance"] == BASE + "ontology#"
    document = client.get("/dumps/alliance.jsonld").json()
    assert document["@context"] == json.loads(context.content)["@context"]


def test_unknown_file_is_404(client: TestClient) -> None:
    assert client.get("/dumps/nothing.ttl").status_code == 404


def test_served_export_is_reused_for_the_same_data(client: TestClient) -> None:
    first = listing(client)["alliance.ttl"]["sha256"]
    assert listing(client)["alliance.ttl"]["sha256"] == first
    dumps_dir = Path(client.app.state.kb.settings.dumps_dir)  # type: ignore[attr-defined]
    assert len([p for p in dumps_dir.iterdir() if not p.name.startswith(".")]) == 1
    # removed behind the server's back: made again, not a 500
    shutil.rmtree(next(p for p in dumps_dir.iterdir() if not p.name.startswith(".")))
    assert listing(client)["alliance.ttl"]["sha256"] == first


def test_a_new_exporter_makes_new_dumps_for_the_same_data(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deployment that changes the exporter's code must not serve the dumps the old code
    wrote, although the data did not change."""
    from kb.publish import export

    kb = client.app.state.kb  # type: ignore[attr-defined]
    served = export.served_export(kb.settings, kb.dataset, kb.store)
    assert export.served_export(kb.settings, kb.dataset, kb.store) == served
    monkeypatch.setattr(export, "exporter_fingerprint", lambda: "another version of the code")
    again = export.served_export(kb.settings, kb.dataset, kb.store)
    assert again != served and (again / "SHA256SUMS").is_file()


def test_head_gives_the_headers_without_the_body(client: TestClient) -> None:
    get = client.get("/dumps/alliance.rdf", headers={"accept-encoding": "identity"})
    head = client.head("/dumps/alliance.rdf", headers={"accept-encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == str(len(get.content))


def test_data_without_a_release_gets_503_not_a_stack_trace(tmp_path: Path) -> None:
    import server

    root = Path(__file__).resolve().parent.parent
    data = tmp_path / "data"
    shutil.copytree(root / "data", data, ignore=shutil.ignore_patterns("sources", "release.ttl"))
    settings = Settings(dumps_dir=tmp_path / "served", validate_on_start=False)
    with TestClient(server.create_app(settings, data_dir=data)) as client:
        response = client.get("/dumps/", headers={"accept": "application/json"})
    assert response.status_code == 503
    assert "release" in response.json()["detail"]


def test_a_commit_reaches_the_next_export(tmp_path: Path) -> None:
    """The served dumps are made again from the store after a commit (in a forked snapshot)."""
    import server
    from kb.store.changes import ChangeSet

    settings = Settings(dumps_dir=tmp_path / "served", validate_on_start=False)
    with TestClient(server.create_app(settings)) as client:
        before = client.get("/dumps/alliance.nt.gz")
        assert before.status_code == 200
        label = ox.Quad(
            ox.NamedNode(settings.record_iri("authority", "volos")),
            ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"),
            ox.Literal("Βόλος (committed)", language="el"),
            ox.NamedNode(settings.graph_iri("authorities")),
        )
        client.app.state.kb.store.commit(ChangeSet.of(added=[label]))  # type: ignore[attr-defined]
        after = client.get("/dumps/alliance.nt.gz")
        assert after.status_code == 200
        assert after.headers["etag"] != before.headers["etag"]
        text = gzip.decompress(after.content).decode()
        assert "Βόλος (committed)" in text
        assert "Βόλος (committed)" not in gzip.decompress(before.content).decode()
