"""Runs every YAML case in tests/cases against the bundled policies."""

from pathlib import Path

import pytest

from eligibility.testing import load_case_file, run_case

CASE_DIR = Path(__file__).parent / "cases"
CASES = [case for path in sorted(CASE_DIR.glob("*.yaml")) for case in load_case_file(path)]


@pytest.mark.parametrize("loaded", CASES, ids=[f"{c.policy}: {c.case.name}" for c in CASES])
def test_case(loaded):
    decision, mismatches = run_case(loaded)
    assert [] == [str(m) for m in mismatches], f"{loaded.file}:{loaded.line} [{loaded.case.clause}]"
