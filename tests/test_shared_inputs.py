"""The inputs the suite reads from `../shared` are there (in CI a skip here fails the run).

Without them whole suites are not generated (184 test cases vanish when `../shared`
is absent): this test names each missing one, so the end-of-run summary says so
and CI, where a skip is an error, fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SHARED_INPUTS


@pytest.mark.parametrize("path", sorted(SHARED_INPUTS), ids=lambda p: p.name)
def test_shared_input_is_beside_the_checkout(path: Path) -> None:
    if not path.is_dir():
        pytest.skip(f"{path} is not beside the checkout: {SHARED_INPUTS[path]} did not run")
    assert any(path.iterdir()), f"{path} is empty"
