"""The ontology's suffix addresses: `/ontology.ttl`, `.jsonld`, `.rdf`, `.nt` (and `.html`).

Each gives its one format whatever the `Accept` header, says so in `Content-Location`,
and holds exactly the triples of `ontology/alliance.ttl` as rdflib (an independent
parser) reads that file; any other suffix is a 404.
"""

from __future__ import annotations

import pytest
import rdflib
from conftest import ROOT
from fastapi.testclient import TestClient
from rdflib.compare import to_isomorphic

SUFFIXES = [
    (".ttl", "text/turtle", "turtle"),
    (".jsonld", "application/ld+json", "json-ld"),
    (".rdf", "application/rdf+xml", "xml"),
    (".nt", "application/n-triples", "nt"),
]


@pytest.fixture(scope="module")
def ontology_file() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "ontology" / "alliance.ttl", format="turtle")


@pytest.mark.parametrize("suffix, media_type, rdflib_format", SUFFIXES)
@pytest.mark.parametrize("accept", ["text/html", "application/ld+json", None])
def test_a_suffix_gives_its_format_whatever_the_accept_header(
    app_client: TestClient,
    ontology_file: rdflib.Graph,
    suffix: str,
    media_type: str,
    rdflib_format: str,
    accept: str | None,
) -> None:
    headers = {"accept": accept} if accept else {}
    r = app_client.get(f"/ontology{suffix}", headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media_type
    assert r.headers["content-location"] == f"/ontology{suffix}"
    served = rdflib.Graph().parse(data=r.content, format=rdflib_format)
    assert to_isomorphic(served) == to_isomorphic(ontology_file)


def test_the_html_suffix_gives_the_documentation_page(app_client: TestClient) -> None:
    r = app_client.get("/ontology.html", headers={"accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert 'id="Award"' in r.text


@pytest.mark.parametrize("suffix", [".xml", ".json", ".ttl.gz", "-ttl", ".TTL"])
def test_another_suffix_is_404(app_client: TestClient, suffix: str) -> None:
    r = app_client.get(f"/ontology{suffix}")
    assert r.status_code == 404
    assert r.json() == {"error": "Not Found", "detail": f"no ontology document /ontology{suffix}"}
