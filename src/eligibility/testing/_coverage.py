"""Coverage of the law: which categories, exclusions and outputs no case exercises.

A category is exercised by a case in which it holds, an exclusion by one in which it
applies, an output by one whose decision it shapes: each read from the case's trace, per
policy version and program (every version's rules are law for their window).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..contract import Decision
from ..language import PLURAL, Policy

_KINDS = ("category", "exclusion", "output")


@dataclass(frozen=True)
class RuleCoverage:
    version: str
    program: str
    kind: str          # category | exclusion | output
    id: str
    clause: str
    label: str
    cases: int         # how many cases exercise it

    path: str          # ``categories.dibao``, as traces name it


@dataclass(frozen=True)
class PolicyCoverage:
    city: str
    rules: tuple[RuleCoverage, ...]

    @property
    def unexercised(self) -> tuple[RuleCoverage, ...]:
        return tuple(rule for rule in self.rules if not rule.cases)


def exercised_rules(decision: Decision) -> set[tuple[str, str, str]]:
    """(version, program, ``categories.dibao``) for every category, exclusion and output that held."""
    steps = decision.trace
    version = next((s.rule for s in steps if s.kind == "version" and s.result is True), None)
    if version is None:
        return set()
    return {(version, decision.program, s.path) for s in steps if s.kind in _KINDS and s.result is True}


def law_coverage(policies: Iterable[Policy], decisions: Iterable[Decision]) -> list[PolicyCoverage]:
    """For each policy, every category, exclusion and output with the number of decisions exercising it."""
    counts: dict[str, dict[tuple[str, str, str], int]] = {}
    for decision in decisions:
        for key in exercised_rules(decision):
            city = counts.setdefault(decision.city, {})
            city[key] = city.get(key, 0) + 1
    report = []
    for policy in policies:
        seen = counts.get(policy.city, {})
        rules = []
        for version, program in policy.places():
            for rule in (*program.categories, *program.exclusions, *(o.rule for o in program.outputs)):
                key = (version.id, program.name, rule.name.path)
                rules.append(RuleCoverage(version.id, program.name, rule.kind, rule.id, rule.clause,
                                          rule.label, seen.get(key, 0), key[2]))
        report.append(PolicyCoverage(policy.city, tuple(rules)))
    return report


def format_coverage(report: list[PolicyCoverage]) -> str:
    """One line per policy version and program, then each rule no case exercises."""
    lines = ["coverage of the law (categories, exclusions, outputs exercised by a case):"]
    for policy in report:
        groups: dict[tuple[str, str], list[RuleCoverage]] = {}
        for rule in policy.rules:
            groups.setdefault((rule.version, rule.program), []).append(rule)
        for (version, program), rules in groups.items():
            counts = []
            for kind in _KINDS:
                of_kind = [r for r in rules if r.kind == kind]
                counts.append(f"{sum(1 for r in of_kind if r.cases)}/{len(of_kind)} {PLURAL[kind]}")
            lines.append(f"  {policy.city} {version} {program}: {', '.join(counts)}")
            for rule in rules:
                if not rule.cases:
                    lines.append(f"    not exercised: {rule.path} [{rule.clause}] {rule.label}")
    missing = sum(len(p.unexercised) for p in report)
    lines.append(f"{missing} rule{'s' if missing != 1 else ''} not exercised" if missing
                 else "every category, exclusion and output is exercised")
    return "\n".join(lines)
