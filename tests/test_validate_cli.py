"""`alliance-kb validate`: exit codes, the three report formats, languages, colour."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

import kb.cli.validate_command
from kb.cli.main import main
from kb.cli.validate_command import use_color
from kb.config import Settings

ROOT = Path(__file__).resolve().parent.parent
VALIDATE = ROOT / "tests" / "fixtures" / "validate"


@pytest.fixture
def test_shapes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Validate against tests/fixtures/validate/shapes (ontology and vocabularies as shipped)."""
    monkeypatch.setattr(
        kb.cli.validate_command, "get_settings", lambda: Settings(shapes_dir=VALIDATE / "shapes")
    )


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_shipped_data_conforms_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert code == 0, out


def test_a_data_file_given_alone_is_validated_in_the_context_of_the_other_files(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # awards.ttl links to authorities and editions described in other files of data/
    code, out, _ = run(capsys, str(ROOT / "data" / "awards.ttl"))
    assert code == 0, out


def test_standalone_validation_ignores_the_other_files_of_data(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys, "--standalone", "--color", "never", str(ROOT / "data" / "awards.ttl")
    )
    assert code == 1
    assert "id:award/5-ghent" in out
    assert "its laureate https://w3id.org/roma-alliance/id/authority/ghent is not a known" in out


def test_a_new_file_reports_its_records_and_what_it_breaks_elsewhere(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    new = tmp_path / "new-award.ttl"
    new.write_text(
        "@prefix alliance: <https://w3id.org/roma-alliance/ontology#> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "<https://w3id.org/roma-alliance/id/award/6-ghent> a alliance:Award ;\n"
        "  alliance:edition <https://w3id.org/roma-alliance/id/prize-edition/6> ;\n"
        "  alliance:laureate <https://w3id.org/roma-alliance/id/authority/ghent> ;\n"
        "  alliance:rank 4 ;\n"
        "  dcterms:source <https://example.org/press-release> .\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "--format", "json", str(new))
    assert code == 1
    found = {
        (r["focus_node"], r["source_shape"].rsplit("#")[-1]) for r in json.loads(out)["results"]
    }
    # its own wrong rank, the fourth award it gives edition 6 (none shared), and the
    # warning that the page it cites has no source record; the records of data/ that were
    # already fine are not reported
    assert found == {
        ("https://w3id.org/roma-alliance/id/award/6-ghent", "AwardRankShape"),
        ("https://w3id.org/roma-alliance/id/prize-edition/6", "PrizeEditionAwardsShape"),
        ("https://example.org/press-release", "CitedPageShape"),
    }


def test_a_violating_file_exits_1_with_a_report_grouped_by_file_and_record(
    capsys: pytest.CaptureFixture[str], test_shapes: None
) -> None:
    code, out, _ = run(capsys, str(VALIDATE / "engine-bad.ttl"), "--color", "never")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "tests/fixtures/validate/engine-bad.ttl" or lines[0].endswith(
        "engine-bad.ttl"
    )
    record = lines.index("  <http://example.org/data/city/lille>")
    block = "\n".join(lines[record : record + 6])
    assert 'Violation  <http://example.org/test#number>  value "7"^^xsd:positiveInteger' in block
    assert "City http://example.org/data/city/lille: its number 7 is also used by" in block
    assert lines[-1].startswith("29 violations, 1 warning, 2 notes in 8 records")
    assert "\x1b[" not in out


def test_warnings_alone_exit_0(capsys: pytest.CaptureFixture[str], test_shapes: None) -> None:
    code, out, _ = run(capsys, str(VALIDATE / "engine-warning.ttl"))
    assert code == 0
    assert "Warning" in out and out.rstrip().endswith("0 violations, 1 warning in 1 record")


def test_with_paths_the_ontology_and_vocabularies_still_load(
    capsys: pytest.CaptureFixture[str], test_shapes: None
) -> None:
    """engine-ok.ttl points to id:theme/education, which sh:class skos:Concept checks."""
    code, out, _ = run(capsys, str(VALIDATE / "engine-ok.ttl"))
    assert code == 0, out


def test_a_syntax_error_exits_2_naming_file_line_and_column(
    capsys: pytest.CaptureFixture[str], test_shapes: None
) -> None:
    code, out, err = run(capsys, str(VALIDATE / "syntax-error.ttl"))
    assert code == 2 and out == ""
    assert err.strip().startswith(str(VALIDATE / "syntax-error.ttl") + ":4:19: ")


def test_a_missing_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "no/such/file.ttl")
    assert code == 2 and "no/such/file.ttl" in err


def test_an_ill_formed_sparql_constraint_exits_2_naming_the_shape(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "minus.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/test#> .\n"
        "ex:MinusShape a sh:NodeShape ; sh:targetClass ex:City ; sh:sparql [ sh:select\n"
        '  """SELECT $this WHERE { $this ?p ?o . MINUS { $this ex:q ?o } }""" ] .\n'
    )
    monkeypatch.setattr(
        kb.cli.validate_command, "get_settings", lambda: Settings(shapes_dir=tmp_path)
    )
    code, out, err = run(capsys, str(VALIDATE / "engine-ok.ttl"))
    assert code == 2 and out == ""
    assert "test#MinusShape>" in err and "MINUS is not allowed" in err
    code, out, err = run(capsys, str(VALIDATE / "engine-ok.ttl"), "--engine", "pyshacl")
    assert code == 2 and out == "" and "pySHACL refuses the shapes" in err


def test_json_report(capsys: pytest.CaptureFixture[str], test_shapes: None) -> None:
    code, out, err = run(capsys, str(VALIDATE / "engine-bad.ttl"), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["conforms"] is False and data["violations"] == 29
    first = data["results"][0]
    assert set(first) >= {"file", "focus_node", "path", "value", "severity", "message"}
    assert err.strip() == data["summary"]


def test_turtle_report_is_a_shacl_validation_report(
    capsys: pytest.CaptureFixture[str], test_shapes: None
) -> None:
    code, out, _ = run(capsys, str(VALIDATE / "engine-bad.ttl"), "--format", "turtle")
    assert code == 1
    g = Graph().parse(data=out, format="turtle")
    report = next(g.subjects(RDF.type, SH.ValidationReport))
    assert len(list(g.objects(report, SH.result))) == 32


def test_french_messages(capsys: pytest.CaptureFixture[str], test_shapes: None) -> None:
    code, out, _ = run(capsys, str(VALIDATE / "engine-bad.ttl"), "--lang", "fr")
    assert code == 1
    assert "Un nom par langue, @en ou @fr." in out
    assert "One name per language" not in out
    assert (
        out.rstrip()
        .splitlines()[-1]
        .startswith("29 violations, 1 avertissement, 2 notes dans 8 fiches")
    )


def test_the_pyshacl_engine_gives_the_same_report(
    capsys: pytest.CaptureFixture[str], test_shapes: None
) -> None:
    _, fast, _ = run(capsys, str(VALIDATE / "engine-bad.ttl"), "--format", "json")
    _, reference, _ = run(
        capsys, str(VALIDATE / "engine-bad.ttl"), "--format", "json", "--engine", "pyshacl"
    )

    def keys(text: str) -> set[str]:
        return {
            json.dumps([r["focus_node"], r["path"], r["value"], r["severity"], r["source_shape"]])
            for r in json.loads(text)["results"]
        }

    assert keys(fast) == keys(reference)


def test_colour_only_on_a_terminal_and_never_with_no_color(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], test_shapes: None
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color("auto", Terminal()) is True
    assert use_color("auto", io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color("auto", Terminal()) is False
    assert use_color("always", io.StringIO()) is True
    _, out, _ = run(capsys, str(VALIDATE / "engine-bad.ttl"), "--color", "always")
    assert "\x1b[31mViolation\x1b[0m" in out


def test_python_dash_m_kb_is_the_same_program() -> None:
    env = {**os.environ, "ALLIANCE_SHAPES_DIR": str(VALIDATE / "shapes")}
    done = subprocess.run(
        [sys.executable, "-m", "kb", "validate", str(VALIDATE / "engine-bad.ttl")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 1
    assert "29 violations" in done.stdout
