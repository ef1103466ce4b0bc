"""YAML test cases for policies: the format, loading with line numbers, and comparison.

A case file::

    policy: shantou                  # city id (bundled policies unless a directory is given)
    reform: shantou_elderly_65.yaml  # optional: a reform file beside it, run instead of the city's policy
    defaults:                        # deep-merged into every case's request
      request: {city: shantou, as_of: 2021-09-20, person: {hukou: {region: "440511"}}}
    cases:
      - name: A dibao recipient with local hukou is fully subsidised
        clause: 一(一)
        request: {person: {statuses: [{kind: dibao, since: 2021-01-01}]}}
        expect: {outcome: eligible, amount: "320.00", primary_category: dibao}

Only the parts listed under ``expect`` are compared (see ``Expectation``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import explain
from ..contract import Decision
from ..errors import PolicyError
from ..loading import load_located, read_located_file


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectedDeadline(_Strict):
    action: str
    due: dt.date
    passed: bool | None = Field(None, description="already past on as_of (compared when given)")


class ExpectedBranch(_Strict):
    """A what-if branch that must be among ``eligibility.explain(decision).what_if``."""

    fact: str
    value: Any
    outcome: str
    flags: list[str] | None = Field(None, description="the exact set of flags in that branch (compared when given)")


class ExpectedCounterfactual(_Strict):
    """A counterfactual that must be among ``eligibility.explain(decision).counterfactuals``."""

    category: str
    changes: list[str] = Field(description="each change as `action fact`, e.g. `grant_status person.statuses`")


class ExpectedOpen(_Strict):
    part: str
    needs: list[str] | None = Field(None, description="the exact set of facts it needs (compared when given)")


class ExpectedBenefit(_Strict):
    item: str
    value: str


class Expectation(_Strict):
    """The parts of a decision a case checks; anything left out is not compared."""

    outcome: str | None = None
    eligible: bool | None = None
    categories: list[str] | None = Field(None, description="ids of every matched category, in priority order")
    primary_category: str | None = None
    amount: str | None = Field(None, description='"320.00", or "null" for an unknown amount')
    premium: str | None = None
    premium_source: str | None = None
    funding_source: str | None = None
    payment: str | None = None
    flags: list[str] | None = Field(None, description="the exact set of flags")
    tier: int | None = None
    share: str | None = None
    premium_parameter: str | None = None
    benefits: list[ExpectedBenefit] | None = Field(None, description="tier benefits that must be present; [] for none")
    benefit_start: dt.date | None = None
    benefit_end: dt.date | None = None
    benefit_note: str | None = Field(None, description='why there is no benefit period, or "null" for none')
    deadlines: list[ExpectedDeadline] | None = Field(None, description="deadlines that must be present; [] for none")
    responsible_region: str | None = None
    enrollment_unit: str | None = Field(None, description='the unit code, or "null" for none')
    referred_to: str | None = None
    missing: list[str] | None = Field(None, description="the exact set of missing facts")
    open: list[ExpectedOpen] | None = Field(None, description="the exact set of open parts; [] for none")
    defaults: list[str] | None = Field(None, description="the exact set of facts a default of the text settled")
    questions: list[str] | None = Field(None, description="the facts asked, in this order; [] for none")
    what_if: list[ExpectedBranch] | None = Field(None, description="what-if branches that must be present")
    counterfactuals: list[ExpectedCounterfactual] | None = Field(
        None, description="counterfactuals that must be present; [] for none")
    reasons: list[str] | None = Field(None, description="rule ids that must appear among the reasons")
    version: str | None = None
    coverage_year: int | None = None


class Case(_Strict):
    name: str = Field(min_length=8, description="a sentence saying what the case shows")
    clause: str = Field(min_length=1, description="the clause of the text the case checks")
    request: dict[str, Any]
    expect: Expectation


class CaseFile(_Strict):
    policy: str
    reform: str | None = Field(None, description="a reform file, relative to the case file: the cases run "
                                                 "against it instead of the city's policy")
    defaults: dict[str, Any] = Field(default_factory=dict)
    cases: list[Case] = Field(min_length=1)


@dataclass(frozen=True)
class LoadedCase:
    """One case ready to run: its request with the file's defaults merged in, and where it is."""

    case: Case
    request: dict[str, Any]
    file: str
    line: int | None
    policy: str
    expect_lines: dict[str, int] = field(default_factory=dict, compare=False)
    reform: str | None = None       # the path of the reform the case runs against

    @property
    def location(self) -> str:
        """``tests/cases/shantou.cases.yaml:14``."""
        return f"{self.file}:{self.line}" if self.line is not None else self.file


def deep_merge(base: Any, override: Any) -> Any:
    """Mappings merge key by key; anything else, an empty mapping included, replaces."""
    if isinstance(base, dict) and isinstance(override, dict) and override:
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base.get(key), value) if key in base else value
        return merged
    return override


def load_case_file(path: str | Path) -> list[LoadedCase]:
    """Read a case file; raise PolicyError (file, line, column) when it is malformed."""
    path = Path(path)
    text, issues = read_located_file(path)
    located, issues = load_located(text, str(path)) if text is not None else (None, issues)
    if located is None:
        raise PolicyError(issues)
    try:
        model = CaseFile.model_validate(located.data)
    except ValidationError as exc:
        raise PolicyError([located.issue(tuple(e["loc"]), e["type"], f"{_dotted(e['loc'])}: {e['msg']}",
                                         "see docs/testing.md for the case format") for e in exc.errors()]) from None
    default_request = model.defaults.get("request", {})
    loaded = []
    for index, case in enumerate(model.cases):
        line, _ = located.where(("cases", index))
        request = deep_merge(default_request, case.request)
        request.setdefault("city", model.policy)
        expect_lines = {key: located.where(("cases", index, "expect", key))[0]
                        for key in case.expect.model_dump(exclude_none=True)}
        loaded.append(LoadedCase(case=case, request=request, file=str(path), line=line, policy=model.policy,
                                 expect_lines={k: v for k, v in expect_lines.items() if v is not None},
                                 reform=str(path.parent / model.reform) if model.reform is not None else None))
    return loaded


def _dotted(loc: tuple[Any, ...]) -> str:
    """``("cases", 0, "clause")`` -> ``cases[0].clause``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _actual(decision: Decision, key: str) -> Any:
    s = decision.subsidy
    return {
        "outcome": lambda: decision.outcome,
        "eligible": lambda: decision.eligible,
        "categories": lambda: [c.id for c in decision.categories],
        "primary_category": lambda: decision.primary_category,
        "amount": lambda: (s.amount if s and s.amount is not None else "null"),
        "premium": lambda: s.premium if s else None,
        "premium_source": lambda: s.premium_source if s else None,
        "funding_source": lambda: s.funding_source if s else None,
        "payment": lambda: s.payment if s else None,
        "flags": lambda: sorted(decision.flags),
        "tier": lambda: decision.tier.level if decision.tier else None,
        "benefits": lambda: [{"item": b.item, "value": b.value} for b in (decision.tier.benefits if decision.tier else [])],
        "benefit_start": lambda: decision.benefit_start,
        "benefit_end": lambda: decision.benefit_end,
        "benefit_note": lambda: decision.benefit_note or "null",
        "deadlines": lambda: [{"action": d.action, "due": d.due, "passed": d.passed} for d in decision.deadlines],
        "open": lambda: sorted((p.part, sorted(p.needs)) for p in decision.open),
        "defaults": lambda: sorted(d.fact for d in decision.defaults),
        "questions": lambda: [q.fact for q in decision.questions],
        "what_if": lambda: [{"fact": b.fact, "value": _plain(b.value), "outcome": b.outcome, "flags": sorted(b.flags)}
                            for b in explain(decision).what_if],
        "counterfactuals": lambda: [{"category": c.category, "changes": [f"{x.action} {x.fact}" for x in c.changes]}
                                    for c in explain(decision).counterfactuals],
        "responsible_region": lambda: decision.responsible_region,
        "enrollment_unit": lambda: decision.enrollment_unit if decision.enrollment_unit is not None else "null",
        "referred_to": lambda: decision.referred_to,
        "missing": lambda: sorted(decision.missing),
        "reasons": lambda: [r.rule.split(".", 1)[-1] for r in decision.reasons],
        "version": lambda: decision.policy.version if decision.policy else None,
        "coverage_year": lambda: decision.coverage_year,
        "share": lambda: s.share if s else None,
        "premium_parameter": lambda: s.premium_parameter if s else None,
    }[key]()


def _plain(value: Any) -> Any:
    """A value as a case file writes it (dates as ISO text)."""
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


@dataclass(frozen=True)
class Mismatch:
    field: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return f"{self.field}: expected {self.expected!r}, got {self.actual!r}"


def compare(expect: Expectation, decision: Decision) -> list[Mismatch]:
    """Every listed expectation the decision does not meet."""
    mismatches = []
    for key, expected in expect.model_dump(exclude_none=True).items():
        actual = _actual(decision, key)
        if key in ("flags", "missing", "defaults"):
            ok = sorted(expected) == actual
        elif key == "open":
            parts = {part for part, _ in actual}
            ok = sorted(e["part"] for e in expected) == sorted(parts) and all(
                e.get("needs") is None or (e["part"], sorted(e["needs"])) in actual for e in expected)
        elif key == "deadlines":
            # each listed deadline present (its passed mark compared when given); [] says there must be none
            ok = all(any(a["action"] == e["action"] and a["due"] == e["due"]
                         and (e.get("passed") is None or a["passed"] == e["passed"]) for a in actual)
                     for e in expected) if expected else not actual
        elif key == "what_if":
            ok = all(any(a["fact"] == e["fact"] and a["value"] == _plain(e["value"]) and a["outcome"] == e["outcome"]
                         and (e.get("flags") is None or sorted(e["flags"]) == a["flags"]) for a in actual)
                     for e in expected)
        elif key == "counterfactuals":
            ok = all(any(a["category"] == e["category"] and sorted(a["changes"]) == sorted(e["changes"])
                         for a in actual) for e in expected) if expected else not actual
        elif key in ("benefits", "reasons"):
            # each listed item present; an empty list says there must be none
            ok = all(item in actual for item in expected) if expected else not actual
        else:
            ok = expected == actual
        if not ok:
            mismatches.append(Mismatch(key, expected, actual))
    return mismatches
