"""Testing kit: YAML policy cases (and, for integrators, Hypothesis strategies).

``load_case_file`` reads a case file; ``run_case`` evaluates one case and returns the
mismatches between what it expects and what the decision says.
"""

from __future__ import annotations

from .._decision import Decision
from ._cases import Case, CaseFile, Expectation, LoadedCase, Mismatch, compare, load_case_file

__all__ = ["Case", "CaseFile", "Expectation", "LoadedCase", "Mismatch", "compare", "load_case_file", "run_case"]


def run_case(loaded: LoadedCase, policies=None) -> tuple[Decision, list[Mismatch]]:
    """Evaluate one loaded case; return the decision and what differs from the expectation."""
    from .. import evaluate

    decision = evaluate(loaded.request, policies)
    return decision, compare(loaded.case.expect, decision)
