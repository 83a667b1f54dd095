"""`/catalog` and `/dumps/` for people: readable tables in the site's frame, in English and
French, under 100 kB, while scripts keep the machine-readable forms."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kb.config import Settings

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    import server

    settings = Settings(dumps_dir=tmp_path_factory.mktemp("served"), validate_on_start=False)
    with TestClient(server.create_app(settings)) as client:
        yield client


def files(client: TestClient) -> list[dict[str, object]]:
    data = client.get("/dumps/", headers={"accept": "application/json"}).json()
    listed: list[dict[str, object]] = data["files"]
    return listed


def test_catalog_page_is_readable_html_under_100_kb(client: TestClient) -> None:
    r = client.get("/catalog", headers={"accept": BROWSER})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert len(r.content) < 100_000, len(r.content)
    html = r.text
    assert '<header class="site">' in html and 'id="lang-switch"' in html
    for section in ("catalog", "dataset", "distributions", "service"):
        assert f'id="{section}"' in html
    # the dataset comes before the distributions, not 48th
    assert html.index('id="dataset"') < html.index('id="distributions"')


def test_catalog_page_lists_every_distribution_with_size_checksum_and_link(
    client: TestClient,
) -> None:
    html = client.get("/catalog", headers={"accept": BROWSER}).text
    # every file but the catalog itself and the checksums
    listed = [f for f in files(client) if f["name"] not in ("SHA256SUMS", "catalog.ttl")]
    rows = re.findall(r'<th scope="row"><a href="(/dumps/[^"]+)">', html)
    assert sorted(rows) == sorted(f"/dumps/{f['name']}" for f in listed)
    for f in listed:
        assert str(f["sha256"]) in html
        assert f'data-bytes="{f["size"]}"' in html
    assert ">JSON-LD<" in html and ">JSON_LD<" not in html  # formats by their names
    assert "/sparql" in html  # the SPARQL service


def test_catalog_page_in_french(client: TestClient) -> None:
    r = client.get("/catalog?lang=fr", headers={"accept": BROWSER})
    assert '<html lang="fr">' in r.text
    assert "Jeu de données" in r.text and "Taille" in r.text
    client.cookies.clear()


def test_catalog_keeps_its_machine_readable_forms(client: TestClient) -> None:
    r = client.get("/catalog", headers={"accept": "text/turtle"})
    assert r.headers["content-type"].startswith("text/turtle")
    assert "dcat:Catalog" in r.text
    assert client.get("/catalog").headers["content-type"].startswith("text/turtle")


def test_dumps_page_is_in_the_site_frame_and_in_french(client: TestClient) -> None:
    r = client.get("/dumps/?lang=fr", headers={"accept": BROWSER})
    client.cookies.clear()
    assert r.status_code == 200
    html = r.text
    assert '<html lang="fr">' in html
    assert '<header class="site">' in html and 'role="search"' in html
    assert "Téléchargement des données ouvertes" in html
    assert 'href="/dumps/alliance.ttl"' in html
    assert hashlib.sha256(b"").hexdigest() not in html
    for f in files(client):
        assert str(f["sha256"]) in html


def test_dumps_listing_keeps_json(client: TestClient) -> None:
    r = client.get("/dumps/", headers={"accept": "application/json"})
    assert r.headers["content-type"].startswith("application/json")
    assert "files" in r.json()
