"""`alliance-kb validate DIR`: a folder of curator files, validated in the context of data/.

The folder's files stand in for the files of data/ with the same name (same named
graph); the report names the folder's file and record for their own results, and
data/'s file for a result they cause elsewhere.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from kb.cli.main import main

RANK_FOUR = """\
@prefix alliance: <https://w3id.org/roma-alliance/ontology#> .
@prefix page: <http://www.roma-alliance.org/en/page/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/roma-alliance/id/award/5-test-rank> a alliance:Award ;
    alliance:edition <https://w3id.org/roma-alliance/id/prize-edition/5> ;
    alliance:laureate <https://w3id.org/roma-alliance/id/authority/volos> ;
    alliance:rank "4"^^xsd:integer ;
    dcterms:source page:181-5th-dosta--congress-prize-for-roma-inclusion-awarded.html .
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", "--color", "never", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_folder_of_conforming_copies_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("awards.ttl", "countries.ttl"):
        shutil.copy(ROOT / "data" / name, tmp_path / name)
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 0, out
    assert out.strip().endswith("conforms: no violations, no warnings")


def test_a_folder_with_a_bad_record_exits_1_naming_file_record_and_what_it_breaks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(ROOT / "data" / "awards.ttl", tmp_path / "awards.ttl")
    (tmp_path / "new-awards.ttl").write_text(RANK_FOUR, encoding="utf-8")
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 1
    blocks = out.split("\n\n")
    mine = next(b for b in blocks if b.startswith(str(tmp_path / "new-awards.ttl")))
    assert "id:award/5-test-rank" in mine and "Violation  alliance:rank" in mine
    elsewhere = next(b for b in blocks if b.startswith("data/prize.ttl"))
    assert "id:prize-edition/5" in elsewhere and "has 5 awards" in elsewhere
    assert out.strip().endswith("2 violations, 0 warnings in 2 records")


def test_standalone_folder_is_validated_without_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "new-awards.ttl").write_text(RANK_FOUR, encoding="utf-8")
    code, out, _ = run(capsys, "--standalone", str(tmp_path))
    assert code == 1
    # without data/, the edition and the laureate are unknown too
    assert "AwardEditionShape" in out or "AwardCrossRecordShape" in out
    assert "data/prize.ttl" not in out


def test_a_folder_with_a_syntax_error_exits_2_naming_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ok.ttl").write_text(RANK_FOUR, encoding="utf-8")
    (tmp_path / "broken.ttl").write_text(
        '<urn:a> <urn:b> "x" .\n<urn:a> <urn:b> .\n', encoding="utf-8"
    )
    code, out, err = run(capsys, str(tmp_path))
    assert code == 2 and out == ""
    assert err.startswith(f"{tmp_path / 'broken.ttl'}:2:"), err


def test_a_folder_without_rdf_files_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("not records", encoding="utf-8")
    code, out, err = run(capsys, str(tmp_path))
    assert code == 2 and out == ""
    assert err.startswith(f"{tmp_path}: no RDF file (.ttl"), err
