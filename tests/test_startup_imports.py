"""What starting the server imports: only what `/health` and `/sparql` need.

rdflib (and its SPARQL parser, html5rdf, pyparsing), pyshacl, argon2, jinja2 and grandalf
serve the first write, form, page, login or download: they are imported then, not at start
(bench/README.md, "Start-up"). Each check runs in a fresh interpreter, so nothing another
test imported counts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

from kb.curation.accounts import AccountStore

#: Packages (and parts of kb) that starting the server must not import.
DEFERRED = (
    "rdflib",
    "rdflib.plugins.sparql",
    "html5rdf",
    "pyparsing",
    "pyshacl",
    "argon2",
    "jinja2",
    "grandalf",
    "kb.validation.change_validation",
    "kb.validation.shacl_engine",
    "kb.publish.export",
    "kb.web.form_shapes",
)
GHENT_AWARD = "/id/award/5-ghent"
#: The award's new description (as tests/test_record_writes.py edits it).
EDITED_AWARD = """\
@prefix alliance: <https://w3id.org/roma-alliance/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<> a alliance:Award ;
    alliance:edition <https://w3id.org/roma-alliance/id/prize-edition/5> ;
    alliance:laureate <https://w3id.org/roma-alliance/id/authority/ghent> ;
    alliance:rank "1"^^xsd:integer ;
    alliance:sharedRank false ;
    alliance:awardedFor "Roma mediators in schools"@en ;
    dcterms:source <http://www.roma-alliance.org/en/page/\
181-5th-dosta--congress-prize-for-roma-inclusion-awarded.html> .
"""

SERVE_THEN_WRITE = """
import json, sys
from pathlib import Path
from fastapi.testclient import TestClient
import server
from kb.config import Settings

state, data, token = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
settings = Settings(state_dir=state, data_dir=data, validate_on_start=False)
seen = {}
with TestClient(server.create_app(settings)) as client:
    seen["health"] = client.get("/health").status_code
    seen["sparql"] = client.get(
        "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    ).status_code
    seen["modules_serving"] = sorted(sys.modules)
    record = client.get(sys.argv[4], headers={"Accept": "text/turtle"})
    seen["write"] = client.put(
        sys.argv[4],
        content=sys.argv[5],
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "text/turtle",
            "If-Match": record.headers["etag"],
        },
    ).status_code
    seen["modules_written"] = sorted(sys.modules)
print(json.dumps(seen))
"""


def loaded(modules: list[str]) -> list[str]:
    """The deferred packages among `modules` (a package counts with any of its modules)."""
    return [d for d in DEFERRED if any(m == d or m.startswith(d + ".") for m in modules)]


def test_importing_the_server_imports_none_of_what_only_writes_and_pages_need() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import json, sys, server; print(json.dumps(sorted(sys.modules)))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    modules = json.loads(result.stdout)
    assert "fastapi" in modules and "kb.web.sparql_endpoint" in modules  # it did import
    assert loaded(modules) == []


def test_a_started_server_answers_health_and_sparql_without_them_and_the_first_write_works(
    tmp_path: Path,
) -> None:
    data, state = tmp_path / "data", tmp_path / "state"
    shutil.copytree(ROOT / "data", data)
    accounts = AccountStore(state)  # argon2 here, in the test's process, not the server's
    accounts.add("maria", "curator", "correct horse battery")
    token = accounts.create_token("maria")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            SERVE_THEN_WRITE,
            str(state),
            str(data),
            token,
            GHENT_AWARD,
            EDITED_AWARD,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert (seen["health"], seen["sparql"]) == (200, 200)
    assert loaded(seen["modules_serving"]) == []
    # the first write imports the validation it needs, and is validated and saved
    assert seen["write"] == 200
    assert {"rdflib.plugins.sparql", "kb.validation.change_validation"} <= set(
        loaded(seen["modules_written"])
    )
    assert "Roma mediators in schools" in (data / "awards.ttl").read_text(encoding="utf-8")
