"""Citation: CITATION.cff (valid, and in step with the release record), the "Cite this"
block (text, BibTeX, CSL-JSON) on record pages and the landing page, and the release's
citation in the DCAT catalog."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kb.config import Settings
from kb.publish.citation import Citation, dataset_citation, record_citation
from kb.publish.distribution import current_release

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/roma-alliance/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def cffconvert() -> str:
    local = Path(sys.executable).parent / "cffconvert"
    found = str(local) if local.exists() else shutil.which("cffconvert")
    if found is None:
        pytest.fail("cffconvert is not installed (pip install -e '.[dev]')")
    return found


@pytest.fixture(scope="module")
def kb() -> object:
    import server

    return server.open_knowledge_base(Settings())


def test_citation_cff_is_valid_per_the_schema() -> None:
    result = subprocess.run(
        [cffconvert(), "--validate", "-i", str(ROOT / "CITATION.cff")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_citation_cff_names_the_current_release(kb: object) -> None:
    release = current_release(kb.store, kb.settings)  # type: ignore[attr-defined]
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f'version: "{release.version}"' in text
    assert f'date-released: "{release.issued}"' in text


def test_an_independent_converter_reads_cff_as_we_cite(kb: object) -> None:
    ours = dataset_citation(kb.store, kb.settings)  # type: ignore[attr-defined]
    assert ours is not None
    theirs = subprocess.run(
        [cffconvert(), "-i", str(ROOT / "CITATION.cff"), "-f", "bibtex"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"title = {{{ours.dataset_title}}}" in theirs
    assert f"year = {{{ours.year}}}" in theirs
    assert f"url = {{{ours.iri}}}" in theirs
    assert f"author = {{{ours.author}}}" in theirs


def test_citation_formats_carry_version_date_and_iri() -> None:
    c = Citation(
        dataset_title="The KB",
        version="1.2.0",
        issued="2027-03-04",
        iri=BASE + "id/authority/sisli",
        dataset_iri=BASE + "catalog#dataset",
        publisher="Congress & Co",
        record_title="Şişli_{x}",
    )
    text = c.text()
    assert "Şişli_{x}" in text and "version 1.2.0, 2027-03-04" in text
    assert text.endswith(BASE + "id/authority/sisli")
    bib = c.bibtex()
    assert bib.startswith("@misc{roma-alliance-authority-sisli-1.2.0,")
    assert bib.count("{") == bib.count("}")
    assert r"Şişli\_\{x\}" in bib and r"Congress \& Co" in bib
    assert "booktitle = {The KB}" in bib and "year = {2027}" in bib
    csl = c.csl_json()
    json.dumps(csl)  # serialisable
    assert csl["issued"] == {"date-parts": [[2027, 3, 4]]}
    assert csl["container-title"] == "The KB" and csl["URL"] == BASE + "id/authority/sisli"
    assert csl["version"] == "1.2.0" and csl["type"] == "entry"


def test_dataset_citation_is_a_dataset_in_csl(kb: object) -> None:
    c = dataset_citation(kb.store, kb.settings)  # type: ignore[attr-defined]
    assert c is not None
    assert c.csl_json()["type"] == "dataset"
    assert c.iri == BASE + "catalog#dataset"
    assert c.publisher.startswith("Congress of Local and Regional Authorities")


@pytest.mark.parametrize("path", ["/id/authority/sisli", "/id/theme/housing", "/id/award/5-ghent"])
def test_every_record_page_has_a_cite_block(client: TestClient, path: str, kb: object) -> None:
    release = current_release(kb.store, kb.settings)  # type: ignore[attr-defined]
    html = client.get(path, headers={"accept": BROWSER}).text
    block = html.split('<section class="cite" id="cite"', 1)[1].split("</section>", 1)[0]
    assert BASE + path[1:] in block
    assert release.version in block and release.issued in block
    assert 'class="bibtex"' in block and 'class="csl-json"' in block
    csl = re.search(r'<pre class="csl-json">(.*?)</pre>', block, re.S)
    assert csl is not None
    data = json.loads(csl.group(1).replace("&#34;", '"').replace("&amp;", "&"))
    assert data["URL"] == BASE + path[1:]


def test_landing_page_cites_the_release(client: TestClient, kb: object) -> None:
    release = current_release(kb.store, kb.settings)  # type: ignore[attr-defined]
    html = client.get("/", headers={"accept": BROWSER}).text
    block = html.split('<section class="cite" id="cite"', 1)[1].split("</section>", 1)[0]
    assert BASE + "catalog#dataset" in block and release.version in block


def test_catalog_carries_the_release_citation(client: TestClient, kb: object) -> None:
    import pyoxigraph as ox

    expected = dataset_citation(kb.store, kb.settings)  # type: ignore[attr-defined]
    assert expected is not None
    body = client.get("/catalog", headers={"accept": "application/n-triples"}).content
    found = [
        t.object.value
        for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
        if t.predicate.value == "http://purl.org/dc/terms/bibliographicCitation"
        and t.subject.value == BASE + "catalog#dataset"
    ]
    assert found == [expected.text()]


def test_record_citation_uses_the_record_name(kb: object) -> None:
    c = record_citation(kb.store, kb.settings, BASE + "id/authority/sisli", "Şişli")  # type: ignore[attr-defined]
    assert c is not None and c.text().startswith(c.author + " (")
    assert "Şişli. In " in c.text()
