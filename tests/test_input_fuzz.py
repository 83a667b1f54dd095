"""Generated input (hypothesis) for the importer and the Turtle validator: every answer is
a documented one, never a traceback.

- `alliance-kb import KIND FILE.csv`: exit 0 with Turtle that parses (and every record
  has a source), exit 1 with one `FILE:ROW: column: reason` line per problem and a
  summary, or exit 2 with one message naming the file; nothing else, no exception.
- `POST /validate` (the Turtle, N-Triples and JSON-LD validator): 200 with a report,
  or 400/413/415 with a message (the parser's line and column for a syntax error);
  never a 5xx, never a stack trace.
- `alliance-kb validate FILE`: exit 0, 1 or 2; exit 2 says `FILE:LINE:COL: message`.

The runs are bounded (a few dozen examples each, no deadline) so that the whole module
takes well under a minute.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kb.cli.main import main
from kb.sources.csv_import import KINDS

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DCTERMS_SOURCE = "http://purl.org/dc/terms/source"
BOUNDED = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- the importer ---------------------------------------------------------------------------

#: Values that look like what a curator writes in each kind of column, and some that do not.
PLAUSIBLE = st.sampled_from(
    [
        "",
        "volos",
        "ghent",
        "GRC",
        "UK",
        "municipality",
        "region",
        "2013-03-20",
        "2013-02",
        "2013",
        "2013-02-30",
        "1",
        "3",
        "4",
        "0",
        "-1",
        "true",
        "false",
        "yes",
        "5",
        "session-41",
        "alliance-site",
        "https://example.org/a https://example.org/b",
        "not a slug",
        "Şişli",
        "Reggio nell'Emilia",
        "housing",
        "promising",
    ]
)
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
CELL = st.one_of(PLAUSIBLE, PLAUSIBLE, TEXT)


@st.composite
def spreadsheets(draw: st.DrawFn) -> tuple[str, bytes]:
    """(kind, file bytes): a header of known (sometimes unknown) columns and a few rows."""
    kind = draw(st.sampled_from(sorted(KINDS)))
    columns = list(KINDS[kind].columns)
    header = draw(st.lists(st.sampled_from(columns), min_size=1, max_size=len(columns)))
    header = list(dict.fromkeys(header))
    if draw(st.integers(0, 4)) > 0:  # usually every required column, so that rows get checked
        header = list(dict.fromkeys([*KINDS[kind].required, "rank", *header]))
        header = [c for c in header if c in columns]
    if draw(st.integers(0, 9)) == 0:
        header.append(draw(st.sampled_from(["colour", "rank", "slug", ""])))
    rows = draw(st.lists(st.lists(CELL, min_size=len(header), max_size=len(header)), max_size=4))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    mangle = draw(st.integers(0, 14))
    if mangle == 0:
        data = data[: draw(st.integers(0, len(data)))]  # cut anywhere
    elif mangle == 1:
        data += b"\xff\xfe broken"  # not UTF-8
    elif mangle == 2:
        data += b'"unterminated'
    return kind, data


PROBLEM_LINE = re.compile(r"^.+\.csv:\d+: [a-z_()]+: .+$")


@settings(BOUNDED, max_examples=150)
@given(sheet=spreadsheets())
def test_the_importer_answers_every_spreadsheet_as_documented(
    tmp_path_factory: pytest.TempPathFactory,
    capfdbinary: pytest.CaptureFixture[bytes],
    sheet: tuple[str, bytes],
) -> None:
    kind, data = sheet
    path = tmp_path_factory.mktemp("import") / f"{kind}.csv"
    path.write_bytes(data)
    code = main(["import", kind, str(path)])
    event(f"exit {code}")
    out, err_bytes = capfdbinary.readouterr()
    err = err_bytes.decode("utf-8")
    assert "Traceback" not in err
    if code == 0:
        triples = list(ox.parse(out, format=ox.RdfFormat.TURTLE))
        subjects = {t.subject for t in triples}
        sourced = {t.subject for t in triples if t.predicate.value == DCTERMS_SOURCE}
        assert subjects <= sourced, "a record without dcterms:source"
        assert err == ""
    elif code == 1:
        lines = err.splitlines()
        assert lines and lines[-1].startswith("alliance-kb import: ")
        assert "rejected, nothing written" in lines[-1]
        for line in lines[:-1]:
            assert PROBLEM_LINE.match(line), line
        assert out == b""
    else:
        assert code == 2, code
        assert out == b""
        assert err.startswith(str(path)), err
        assert len(err.strip().splitlines()) == 1


# -- the Turtle validator -------------------------------------------------------------------

SEEDS = [
    p.read_text(encoding="utf-8")
    for p in sorted((FIXTURES / "shapes").glob("*.ttl"))
    if p.stat().st_size < 8000
]


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A fixture of the shapes' tests, damaged in a few places (or a small made-up one)."""
    if draw(st.integers(0, 4)) == 0:
        return draw(
            st.text(alphabet=st.sampled_from(list('<>":;.,@^_ \n#aéx0-9{}[]()\\')), max_size=80)
        )
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.integers(0, 2))
        if action == 0:  # delete a span
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif action == 1:  # insert a fragment
            fragment = draw(
                st.sampled_from(['"', "<", ">", "@fr", "^^xsd:date", " ;", " .", "\\u", "ü", "\n"])
            )
            text = text[:at] + fragment + text[at:]
        else:  # swap a value
            replacement = draw(st.sampled_from(['"x"', '"2013-13-45"', "5"]))
            text = re.sub(r'"[^"\n]*"', replacement, text, count=1)
    return text


@BOUNDED
@given(document=documents(), media_type=st.sampled_from(["text/turtle", "application/n-triples"]))
def test_the_validator_answers_every_document_as_documented(
    app_client: TestClient, document: str, media_type: str
) -> None:
    r = app_client.post(
        "/validate", content=document.encode("utf-8"), headers={"content-type": media_type}
    )
    assert r.status_code in (200, 400, 413, 415), (r.status_code, r.text[:300])
    assert "Traceback" not in r.text
    body = r.json()
    if r.status_code == 200:
        assert isinstance(body["conforms"], bool)
    else:
        assert body["error"] and body["detail"]
        if r.status_code == 400 and media_type == "text/turtle" and "line" in body["detail"]:
            assert re.search(r"\d", body["detail"])  # the position of the error


@st.composite
def jsonld_documents(draw: st.DrawFn) -> str:
    value = draw(st.one_of(TEXT, st.sampled_from(["", "x", "urn:a", "https://example.org/"])))
    shapes = [
        '{"@id": %s, "http://purl.org/dc/terms/title": "t"}',
        '{"@context": {"@vocab": %s}, "@id": "urn:a", "title": "t"}',
        '[{"@id": "urn:a", "http://example.org/p": {"@id": %s}}]',
        '{"@graph": [{"@id": %s}]',  # broken
        '{"@context": %s}',  # a remote context: refused
    ]
    return draw(st.sampled_from(shapes)) % json.dumps(value)


@settings(BOUNDED, max_examples=20)
@given(document=jsonld_documents())
def test_the_validator_answers_every_jsonld_document_as_documented(
    app_client: TestClient, document: str
) -> None:
    r = app_client.post(
        "/validate",
        content=document.encode("utf-8"),
        headers={"content-type": "application/ld+json"},
    )
    assert r.status_code in (200, 400), (r.status_code, r.text[:300])
    assert "Traceback" not in r.text
    if r.status_code == 400:
        assert r.json()["detail"]


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(document=documents())
def test_the_validate_command_exits_0_1_or_2_with_a_located_message(
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    document: str,
) -> None:
    path = tmp_path_factory.mktemp("validate") / "records.ttl"
    path.write_text(document, encoding="utf-8")
    code = main(["validate", "--standalone", "--color", "never", str(path)])
    out, err = capsys.readouterr()
    assert code in (0, 1, 2)
    assert "Traceback" not in out + err
    if code == 2:
        assert err.startswith(f"{path}:"), err
        assert out == ""
    else:
        assert out.strip(), "a report"
