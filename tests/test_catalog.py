"""The DCAT-AP 3 catalog: the official DCAT-AP 3.0.1 shapes (zero violations, no
recommended-shape warning left), and one distribution per file with its true size and
checksum."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SH

from kb.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
DCAT_AP = ROOT.parent / "shared" / "conformance" / "dcat-ap-3.0.1"
SPDX = Namespace("http://spdx.org/rdf/terms#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
BASE = "https://w3id.org/roma-alliance/"
FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type/"
IANA = "https://www.iana.org/assignments/media-types/"

#: Recommended-shape warnings knowingly left (each explained in the README). None today.
ACCEPTED_WARNINGS: set[tuple[str, str]] = set()


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("catalog") / "dumps"
    assert main(["export", "--out", str(target), "--quiet"]) == 0
    return target


@pytest.fixture(scope="module")
def catalog(out: Path) -> Graph:
    return Graph().parse(out / "catalog.ttl", format="turtle")


def results(catalog: Graph, shapes_file: str) -> list[tuple[str, str, str]]:
    if not (DCAT_AP / shapes_file).exists():
        pytest.skip(f"{DCAT_AP / shapes_file} is not available")
    shapes = Graph().parse(DCAT_AP / shapes_file, format="turtle")
    _conforms, report, _text = pyshacl.validate(
        catalog, shacl_graph=shapes, inference="none", allow_warnings=True
    )
    assert isinstance(report, Graph)
    return sorted(
        (
            str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[1],
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.resultPath)),
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    )


def test_catalog_has_no_dcat_ap_violation(catalog: Graph) -> None:
    assert results(catalog, "shapes.ttl") == []


def test_catalog_leaves_no_unlisted_recommended_warning(catalog: Graph) -> None:
    left = {(focus, path) for _severity, focus, path in results(catalog, "shapes_recommended.ttl")}
    assert left == ACCEPTED_WARNINGS


def test_the_shapes_catch_a_broken_catalog(catalog: Graph) -> None:
    """The check above can fail: a distribution without accessURL is a violation."""
    broken = Graph()
    for triple in catalog:
        if triple[1] != DCAT.accessURL:
            broken.add(triple)
    assert any(path == str(DCAT.accessURL) for _s, _f, path in results(broken, "shapes.ttl"))


def test_one_distribution_per_file_with_true_size_and_checksum(out: Path, catalog: Graph) -> None:
    dataset = URIRef(f"{BASE}catalog#dataset")
    distributions = list(catalog.objects(dataset, DCAT.distribution))
    files = {
        str(p.relative_to(out))
        for p in out.rglob("*")
        if p.is_file() and p.name not in ("catalog.ttl", "SHA256SUMS")
    }
    assert len(distributions) == len(files)
    for dist in distributions:
        url = str(catalog.value(dist, DCAT.downloadURL))
        name = url.split("/dumps/", 1)[1]
        assert name in files
        data = (out / name).read_bytes()
        assert catalog.value(dist, DCAT.byteSize) == Literal(
            len(data), datatype=URIRef("http://www.w3.org/2001/XMLSchema#nonNegativeInteger")
        )
        checksum = catalog.value(dist, SPDX.checksum)
        assert str(catalog.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()
        assert catalog.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(catalog.value(dist, DCAT.mediaType)).startswith(IANA)
        assert str(catalog.value(dist, DCTERMS["format"])).startswith(FILE_TYPES)
        assert catalog.value(dist, DCAT.accessURL) is not None
        assert catalog.value(dist, DCTERMS.license) is not None


def test_catalog_names_publisher_contact_endpoint_and_coverage(catalog: Graph) -> None:
    dataset = URIRef(f"{BASE}catalog#dataset")
    assert catalog.value(dataset, DCTERMS.publisher) == URIRef(f"{BASE}id/organisation/congress")
    contact = catalog.value(dataset, DCAT.contactPoint)
    assert str(catalog.value(contact, VCARD.hasTelephone)).startswith("tel:+33")
    service = URIRef(f"{BASE}catalog#sparql")
    assert (service, RDF.type, DCAT.DataService) in catalog
    assert str(catalog.value(service, DCAT.endpointURL)).endswith("/sparql")
    assert catalog.value(service, DCAT.servesDataset) == dataset
    spatial = set(catalog.objects(dataset, DCTERMS.spatial))
    assert URIRef("http://publications.europa.eu/resource/authority/country/GRC") in spatial
    period = catalog.value(dataset, DCTERMS.temporal)
    start = str(catalog.value(period, DCAT.startDate))
    end = str(catalog.value(period, DCAT.endDate))
    assert start <= "2007-12-31" and end >= "2018-07-16", (start, end)
    themes = set(catalog.objects(dataset, DCAT.theme))
    assert URIRef("http://publications.europa.eu/resource/authority/data-theme/SOCI") in themes
