"""Testing kit: YAML policy cases for analysts, Hypothesis strategies for integrators.

Cases (``docs/testing.md``): ``load_case_file`` reads a case file, ``check_case`` runs one
case and ``format_failure`` explains a failed one; the pytest plugin
(``eligibility.testing.plugin``) and ``eligibility test`` are built on them.
``law_coverage`` lists the categories, exclusions and outputs no case exercises.

Strategies (need Hypothesis, the ``test`` extra; imported on first use so that
``import eligibility.testing`` works without it): ``from_request_schema``, ``requests``,
``id_numbers``, ``regions``, ``statuses``; see ``eligibility.testing.strategies``.
"""

from __future__ import annotations

from typing import Any

from ._cases import Case, CaseFile, Expectation, LoadedCase, Mismatch, compare, load_case_file
from ._coverage import PolicyCoverage, RuleCoverage, format_coverage, law_coverage
from ._runner import CaseResult, check_case, deciding_steps, format_failure, format_trace, sort_files

__all__ = [
    "Case", "CaseFile", "CaseResult", "Expectation", "LoadedCase", "Mismatch", "PolicyCoverage", "RuleCoverage",
    "check_case", "compare", "deciding_steps", "format_coverage", "format_failure", "format_trace",
    "from_request_schema",
    "id_numbers", "law_coverage", "load_case_file", "regions", "requests", "sort_files", "statuses",
]

_STRATEGIES = ("from_request_schema", "requests", "id_numbers", "regions", "statuses")


def __getattr__(name: str) -> Any:
    if name in _STRATEGIES:
        from . import strategies

        return getattr(strategies, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
