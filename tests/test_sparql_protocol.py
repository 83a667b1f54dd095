"""The W3C SPARQL 1.1 Protocol test manifest, run against /sparql.

Every test of `../shared/conformance/sparql11-protocol/manifest.ttl` runs, on
the embedded store and on a real `oxigraph serve` behind `--store`:

- the query tests (`query_*`) and the bad-request tests (`bad_*`) must give the
  manifest's expected status, format and boolean;
- the update tests (`update_*`) expect a 2xx from an endpoint that accepts
  updates. This endpoint is read-only by design (issue 3), so for them the
  expectation is inverted: the update request must be refused with a 4xx, and
  the data must be unchanged afterwards. Their follow-up ASK requests (which
  check the update's effect) do not apply and are not sent.

No test is skipped. The service description manifest (three tests) runs too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from conftest import CONFORMANCE
from fastapi.testclient import TestClient
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF
from sparql_helpers import BACKENDS, dataset_of, make_app

PROTOCOL = CONFORMANCE / "sparql11-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")

pytestmark = pytest.mark.skipif(
    not PROTOCOL.is_dir(),
    reason="../shared/conformance/sparql11-protocol is not beside the checkout",
)

RESULT_TYPES = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    },
    "RDF": {"text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"},
}


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    expected_status: set[str]
    expected_format: str | None
    expected_boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    requests: list[HttpRequest] = field(default_factory=list)


def load_manifest() -> list[ProtocolTest]:
    if not PROTOCOL.is_dir():
        return []
    g = Graph().parse(PROTOCOL / "manifest.ttl", format="turtle")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        test = ProtocolTest(str(entry).rsplit("#", 1)[-1])
        action = g.value(entry, MF.action)
        for req in Collection(g, g.value(action, HT.requests)):
            headers = {}
            header_list = g.value(req, HT.headers)
            if header_list is not None:
                for h in Collection(g, header_list):
                    headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
            body_node = g.value(req, HT.body)
            body = None
            if body_node is not None:
                encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(body_node, CNT.chars)).encode(encoding.lower())
            resp = g.value(req, HT.resp)
            statuses = {str(s).rsplit("#", 1)[-1] for s in g.objects(resp, MF.expectedStatus)}
            fmt = g.value(resp, MF.expectedFormat)
            boolean = g.value(resp, MF.expectedBoolean)
            test.requests.append(
                HttpRequest(
                    method=str(g.value(req, HT.methodName)),
                    path=str(g.value(req, HT.absolutePath)).replace("/sparql/", "/sparql", 1),
                    headers=headers,
                    body=body,
                    expected_status=statuses,
                    expected_format=str(fmt) if fmt is not None else None,
                    expected_boolean=boolean.toPython() if boolean is not None else None,
                )
            )
        tests.append(test)
    return tests


def protocol_dataset() -> Any:
    """data1.nt … data3.nt, each in the named graph the manifest labels it with."""
    graphs = {}
    for name in ("data1", "data2", "data3"):
        triples = ox.parse((PROTOCOL / f"{name}.nt").read_bytes(), format=ox.RdfFormat.N_TRIPLES)
        graphs[f"http://kasei.us/2009/09/sparql/data/{name}.rdf"] = list(triples)
    return dataset_of(graphs)


TESTS = load_manifest()


@pytest.fixture(scope="module", params=BACKENDS)
def client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    server = request.getfixturevalue("oxigraph_server") if request.param != "embedded" else None
    app = make_app(protocol_dataset(), request.param, oxigraph_server=server)
    with TestClient(app) as c:
        yield c


def status_class(code: int) -> str:
    return f"StatusCode{code // 100}xx"


def check_response(response: Any, req: HttpRequest) -> None:
    assert status_class(response.status_code) in req.expected_status, (
        response.status_code,
        response.text[:300],
    )
    if req.expected_format:
        media = response.headers["content-type"].split(";")[0]
        assert media in RESULT_TYPES[req.expected_format], media
    if req.expected_boolean is not None:
        media = response.headers["content-type"].split(";")[0]
        fmt = ox.QueryResultsFormat.JSON if media.endswith("json") else ox.QueryResultsFormat.XML
        result = ox.parse_query_results(response.content, format=fmt)
        assert isinstance(result, ox.QueryBoolean)
        assert bool(result) is req.expected_boolean


def test_manifest_has_all_34_protocol_tests() -> None:
    assert len(TESTS) == 34


def count_quads(client: TestClient) -> int:
    r = client.get(
        "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"},
        headers={"accept": "application/sparql-results+json"},
    )
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_protocol_manifest(client: TestClient, test: ProtocolTest) -> None:
    is_update_test = test.name.startswith("update_")
    before = count_quads(client)
    assert before == 3
    for req in test.requests[:1] if is_update_test else test.requests:
        response = client.request(req.method, req.path, headers=req.headers, content=req.body)
        if is_update_test:
            # read-only endpoint: the update is refused (the manifest expects 2xx from a
            # writable endpoint), with a message, and changes nothing
            assert 400 <= response.status_code < 500, response.status_code
            assert "read-only" in response.json()["detail"]
        else:
            check_response(response, req)
        assert "Traceback" not in response.text
    assert count_quads(client) == before


# -- service description manifest ---------------------------------------------------------


def service_description(client: TestClient) -> Graph:
    r = client.get("/sparql", headers={"accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    return Graph().parse(data=r.text, format="turtle")


def test_sd_returns_rdf(client: TestClient) -> None:
    assert len(service_description(client)) > 0


def test_sd_has_endpoint_triple(client: TestClient) -> None:
    g = service_description(client)
    endpoint = URIRef(str(client.base_url) + "/sparql")
    assert (None, SD.endpoint, endpoint) in g


def test_sd_conforms_to_schema(client: TestClient) -> None:
    """sd:Service with a language, result formats, and the default dataset's size."""
    g = service_description(client)
    service = g.value(predicate=RDF.type, object=SD.Service)
    assert service is not None
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    formats = set(g.objects(service, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_TSV") in formats
    assert URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    dataset = g.value(service, SD.defaultDataset)
    assert (dataset, RDF.type, SD.Dataset) in g
    default = g.value(dataset, SD.defaultGraph)
    triples = g.value(default, URIRef("http://rdfs.org/ns/void#triples"))
    assert triples is not None and int(triples) == 3
    names = {str(g.value(ng, SD.name)) for ng in g.objects(dataset, SD.namedGraph)}
    assert "http://kasei.us/2009/09/sparql/data/data1.rdf" in names
    assert (service, SD.feature, SD.BasicFederatedQuery) not in g  # federation is off


def test_browser_get_without_query_gets_html(client: TestClient) -> None:
    r = client.get("/sparql", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")


def test_json_results_parse(client: TestClient) -> None:
    r = client.post(
        "/sparql",
        content=b"SELECT ?g { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g",
        headers={"content-type": "application/sparql-query"},
    )
    names = [b["g"]["value"] for b in json.loads(r.text)["results"]["bindings"]]
    assert names == [f"http://kasei.us/2009/09/sparql/data/data{i}.rdf" for i in (1, 2, 3)]


def test_data_files_exist() -> None:
    assert Path(PROTOCOL / "data1.nt").exists()
