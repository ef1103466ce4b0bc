"""The policy linter: static checks over the compiled policy's conditions, as data.

Each check is a walk over the IR, never a run. A finding names its code, the rule, where it
is written (file:line:col), the clause and what to do; a finding the policy means is
acknowledged under ``lint: acknowledge:`` with a reason, and reported as such.

Whether two conditions can both hold is decided conservatively: they are *disjoint* only
when one holds a test and the other its negation (``x`` / ``not: x``), two coverage modes,
coverage years, hukou regions or kinds, or ranges of one choice that do not meet, or each branch of an ``any`` is disjoint
from the other condition. Anything else may hold together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterator

from ..language import OutputRule, Policy, Program, Rule, Version
from ..language.kinds import walk
from ..language.kinds.category import CategoryHeldOn, CategoryTest
from ..language.kinds.choice import ChoiceTest
from ..language.kinds.coverage import CoverageTest, CoverageYearTest
from ..language.kinds.hukou import HukouTest
from ..language.kinds.logic import AllOf, AnyOf, Not

LINT_CODES = {
    "output_conflict": "two outputs that can both apply set one single-valued field to different values, "
                       "and neither is declared to override the other",
    "never_applies": "a rule whose condition can never hold, or an output every field of which an "
                     "always-applying output of better precedence sets",
    "hand_enumerated_categories": "a category test that lists every category of the program by hand",
    "parameter_without_value": "a parameter with no value on the first day of a year the version rules",
    "stale_acknowledgement": "an acknowledgement that matches no finding",
}


@dataclass(frozen=True)
class Finding:
    """One lint finding: what, where (file, line, column, clause, rule), what to do, and the
    reason it stands when the policy acknowledges it."""

    code: str
    message: str
    rule: str                 # kind and id: ``outputs.lottery_funded``
    clause: str | None
    file: str
    line: int | None
    column: int | None
    hint: str
    version: str | None = None
    acknowledged: str | None = None   # the policy's reason, when it means it

    @property
    def location(self) -> str:
        return ":".join(str(part) for part in (self.file, self.line, self.column) if part is not None)

    def __str__(self) -> str:
        clause = f" [{self.clause}]" if self.clause else ""
        head = f"{self.location}: {self.rule}{clause}: {self.message} [{self.code}]"
        if self.acknowledged:
            return f"{head}\n    acknowledged: {self.acknowledged}"
        return f"{head}\n    hint: {self.hint}"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "rule": self.rule, "clause": self.clause,
                "file": self.file, "line": self.line, "column": self.column, "hint": self.hint,
                "version": self.version, "acknowledged": self.acknowledged}


def lint(policy: Policy) -> list[Finding]:
    """Every finding of ``policy`` (a policy or a reform), acknowledged ones marked, in file order."""
    found: dict[tuple[str, str], Finding] = {}
    for version, program in policy.places():
        for finding in _program_findings(version, program):
            found.setdefault((finding.code, finding.rule), finding)
    out = []
    used = set()
    for finding in found.values():
        reason = next((a.reason for a in policy.acknowledged if (a.code, a.rule) == (finding.code, finding.rule)), None)
        if reason is not None:
            used.add((finding.code, finding.rule))
            finding = Finding(**{**finding.__dict__, "acknowledged": reason})
        out.append(finding)
    for ack in policy.acknowledged:
        if (ack.code, ack.rule) not in used:
            out.append(Finding("stale_acknowledgement", f"no {ack.code} finding about {ack.rule} to acknowledge",
                               ack.rule, None, ack.at.file, ack.at.line, ack.at.column,
                               "remove the acknowledgement, or fix its code or rule"))
    return sorted(out, key=lambda f: (f.file, f.line or 0, f.column or 0, f.code))


def problems(findings: list[Finding]) -> list[Finding]:
    """The findings the policy does not acknowledge."""
    return [f for f in findings if f.acknowledged is None]


def _finding(code: str, message: str, rule: Rule, hint: str, version: Version) -> Finding:
    return Finding(code, message, rule.name.path, rule.clause, rule.at.file, rule.at.line, rule.at.column, hint,
                   version.id)


def _program_findings(version: Version, program: Program) -> Iterator[Finding]:
    yield from _conflicts(version, program)
    for rule in program.rules():
        if rule.condition is not None and disjoint(rule.condition, rule.condition):
            yield _finding("never_applies", "its condition can never hold (it needs a test and its opposite)",
                           rule, "remove the contradiction, or the rule", version)
        yield from _hand_enumerated(version, program, rule)
    yield from _shadowed(version, program)
    yield from _parameter_years(version, program)


def _settings(output: OutputRule) -> dict[str, Any]:
    settings = dict(output.sets)
    if output.benefit_start is not None:
        settings["benefit_start"] = output.benefit_start
    if output.benefit_end is not None:
        settings["benefit_end"] = output.benefit_end
    return settings


def overrides(program: Program) -> dict[str, set[str]]:
    """For each output, every output it overrides, directly or through others."""
    direct = {o.rule.id: set(o.overrides) for o in program.outputs}
    closed: dict[str, set[str]] = {}
    for start in direct:
        seen, stack = set(), list(direct[start])
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack += direct.get(current, ())
        closed[start] = seen
    return closed


def _conflicts(version: Version, program: Program) -> Iterator[Finding]:
    beaten = overrides(program)
    outputs = list(program.outputs)
    for i, first in enumerate(outputs):
        for second in outputs[i + 1:]:
            a, b = _settings(first), _settings(second)
            clash = sorted(name for name in a.keys() & b.keys() if a[name] != b[name])
            if not clash or second.rule.id in beaten[first.rule.id] or first.rule.id in beaten[second.rule.id]:
                continue
            if first.rule.condition is not None and second.rule.condition is not None and \
                    disjoint(first.rule.condition, second.rule.condition):
                continue
            yield _finding("output_conflict",
                           f"{second.rule.id!r} and {first.rule.id!r} can both apply and set {', '.join(clash)} to "
                           f"different values; today policy order makes {first.rule.id!r} win, silently",
                           second.rule, f"say which wins: `overrides: [{second.rule.id}]` on {first.rule.id!r} "
                                        f"(or `overrides: [{first.rule.id}]` here), or make their conditions exclusive",
                           version)


def _shadowed(version: Version, program: Program) -> Iterator[Finding]:
    rank = program.output_precedence()
    for output in program.outputs:
        settings = _settings(output)
        if not settings or output.flags or output.deadlines or output.benefits:
            continue
        winners = {name for other in program.outputs if other.rule.condition is None
                   and rank[other.rule.id] < rank[output.rule.id] for name in _settings(other)}
        if settings.keys() <= winners:
            yield _finding("never_applies", "every field it sets is set first by an output that always applies",
                           output.rule, "declare `overrides:` on this output, or remove it", version)


def _hand_enumerated(version: Version, program: Program, rule: Rule) -> Iterator[Finding]:
    every = {c.id for c in program.categories}
    if rule.condition is None or len(every) < 2:
        return
    for node in walk(rule.condition):
        if isinstance(node, (CategoryTest, CategoryHeldOn)) and not getattr(node, "every", False) \
                and set(node.ids) == every:
            yield Finding("hand_enumerated_categories",
                          f"it lists all {len(every)} categories by hand: a category added later (by a reform) "
                          "will be left out", rule.name.path, rule.clause, node.at.file, node.at.line, node.at.column,
                          "write `category: any` (or leave `id:` out of `held_on`) where the text means every category",
                          version.id)
            return


def _ruled_years(version: Version, program: Program) -> list[int]:
    if program.years:
        return list(program.years)
    last = version.effective_to.year if version.effective_to is not None else version.effective_from.year
    return list(range(version.effective_from.year, last + 1))


def _parameter_years(version: Version, program: Program) -> Iterator[Finding]:
    for parameter in program.parameters:
        if parameter.caller_supplied:
            continue
        missing = [year for year in _ruled_years(version, program) if parameter.value_on(dt.date(year, 1, 1)) is None]
        if missing:
            rule = program.rules()[0] if program.rules() else None
            if rule is None:
                continue
            yield Finding("parameter_without_value",
                          f"parameter {parameter.name!r} has no value in {', '.join(map(str, missing))}, "
                          f"which version {version.id!r} rules", f"parameters.{parameter.name}", None,
                          rule.at.file, None, None, "add a dated value citing its source, from the first year missing",
                          version.id)


# --- can two conditions hold together? -----------------------------------------------------------

def _conjuncts(node: Any) -> list[Any]:
    if isinstance(node, AllOf):
        return [leaf for part in node.parts for leaf in _conjuncts(part)]
    return [node]


def _opposed(x: Any, y: Any) -> bool:
    if isinstance(x, Not) and x.part == y or isinstance(y, Not) and y.part == x:
        return True
    if isinstance(x, CoverageTest) and isinstance(y, CoverageTest):
        return x.mode != y.mode
    if isinstance(x, CoverageYearTest) and isinstance(y, CoverageYearTest):
        return not (x.years & y.years)
    if isinstance(x, HukouTest) and isinstance(y, HukouTest):
        return bool(x.regions and y.regions) and not any(
            a.startswith(b) or b.startswith(a) for a in x.regions for b in y.regions) or \
            None not in (x.kind, y.kind) and x.kind != y.kind
    if isinstance(x, ChoiceTest) and isinstance(y, ChoiceTest) and x.name == y.name:
        return _below(x.at_most, y.at_least) or _below(y.at_most, x.at_least) or (
            x.allowed is not None and y.allowed is not None and not (x.allowed & y.allowed))
    return False


def _below(at_most: Any, at_least: Any) -> bool:
    return at_most is not None and at_least is not None and at_most < at_least


def disjoint(a: Any, b: Any) -> bool:
    """Whether conditions ``a`` and ``b`` can never hold together (conservative: False when unsure)."""
    left, right = _conjuncts(a), _conjuncts(b)
    if any(_opposed(x, y) for x in left for y in right):
        return True
    for x in left:
        if isinstance(x, AnyOf) and all(disjoint(part, b) for part in x.parts):
            return True
    for y in right:
        if isinstance(y, AnyOf) and all(disjoint(a, part) for part in y.parts):
            return True
    return False
