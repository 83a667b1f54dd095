"""How the suite treats skips (tests/conftest.py): an error in CI, a summary for everyone.

A scratch suite with this project's conftest.py and tests that skip (one at run time,
one module skipped at collection) is run by pytest in a subprocess: with
`ALLIANCE_TEST_NO_SKIPS=1` (what `.ci/run` sets) the run fails and says why; without it
the run passes and ends with the summary of what did not run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

SKIPPING = """
import pytest

def test_runs():
    assert True

def test_needs_a_suite():
    pytest.skip("the suite X is not beside the checkout")
"""
SKIPPED_MODULE = """
import pytest

pytest.skip("chromium is not installed", allow_module_level=True)

def test_never():
    assert False
"""


def run_scratch_suite(
    tmp_path: Path, no_skips: str | None, modules: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    shutil.copy(HERE / "conftest.py", tmp_path / "conftest.py")
    for name, text in modules.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "ALLIANCE_TEST_NO_SKIPS"}
    if no_skips is not None:
        env["ALLIANCE_TEST_NO_SKIPS"] = no_skips
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            os.devnull,
            "--rootdir",
            str(tmp_path),
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


BOTH = {"test_skipping.py": SKIPPING, "test_skipped_module.py": SKIPPED_MODULE}


def test_in_ci_a_skipped_test_fails_the_run_and_says_why(tmp_path: Path) -> None:
    result = run_scratch_suite(tmp_path, "1", {"test_skipping.py": SKIPPING})
    assert result.returncode == 1, result.stdout
    assert "skipped, but ALLIANCE_TEST_NO_SKIPS is set (CI): the suite X is not beside" in (
        result.stdout
    )
    assert "1 failed, 1 passed" in result.stdout


def test_in_ci_a_skipped_module_stops_the_run_and_says_why(tmp_path: Path) -> None:
    result = run_scratch_suite(tmp_path, "1", BOTH)
    assert result.returncode != 0, result.stdout
    assert "skipped, but ALLIANCE_TEST_NO_SKIPS is set (CI): chromium is not installed" in (
        result.stdout
    )


@pytest.mark.parametrize("value", [None, "0"])
def test_elsewhere_skips_pass_and_the_run_ends_with_what_did_not_run(
    tmp_path: Path, value: str | None
) -> None:
    result = run_scratch_suite(tmp_path, value, BOTH)
    assert result.returncode == 0, result.stdout
    summary = result.stdout.split("what did not run, and why", 1)[1]
    assert "1 skipped: the suite X is not beside the checkout" in summary
    assert "1 skipped: chromium is not installed" in summary
    assert "CI (.ci/run sets ALLIANCE_TEST_NO_SKIPS=1) fails on every skip listed here." in summary
