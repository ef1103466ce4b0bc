"""The rule-level difference of two policies (a base and its reform), clause by clause.

A walk over both IRs, never a run: versions added or removed; per version and program, rules
added, removed or changed (which of condition, label, clause, outcome, effects), the
category ranking, and parameters whose dated values changed. Conditions compare as data
(positions left out), so a rule moved in the file is not a change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..language import OutputRule, Policy, Program, Rule, parameter_refs
from ..language.kinds import describe, walk


@dataclass(frozen=True)
class RuleChange:
    """A rule added, removed or changed: ``fields`` names what changed, with before and after."""

    change: str                 # added | removed | changed
    rule: str                   # kind and id: ``categories.dibao``
    clause: str
    label: str
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class ParameterChange:
    """A parameter whose dated values differ: each date with its value before and after (None: none)."""

    parameter: str
    label: str
    unit: str
    values: list[tuple[str, str | None, str | None, str | None]]   # (from, before, after, source after)
    change: str = "changed"     # added | removed | changed
    used_by: list[tuple[str, str]] = field(default_factory=list)   # (rule, clause) of the rules that read it


@dataclass(frozen=True)
class ProgramDiff:
    version: str
    program: str
    rules: list[RuleChange]
    parameters: list[ParameterChange]
    priority: tuple[list[str], list[str]] | None = None   # the ranking before and after, when it changed


@dataclass(frozen=True)
class PolicyDiff:
    """What a reform changes in its base."""

    base: str
    reform: str
    versions_added: list[str]
    versions_removed: list[str]
    programs: list[ProgramDiff]

    @property
    def empty(self) -> bool:
        return not (self.versions_added or self.versions_removed or self.programs)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def diff(base: Policy, reform: Policy) -> PolicyDiff:
    """The rule-level difference from ``base`` to ``reform``."""
    before = {(v.id, p.name): p for v, p in base.places()}
    after = {(v.id, p.name): p for v, p in reform.places()}
    programs = []
    for key in [k for k in after if k in before]:
        found = _program_diff(key, before[key], after[key])
        if found is not None:
            programs.append(found)
    for key in [k for k in after if k not in before]:
        programs.append(ProgramDiff(key[0], key[1], [_added(r, "added") for r in _rules(after[key]).values()],
                                    [_parameter(p, None) for p in after[key].parameters]))
    base_versions, reform_versions = [v.id for v in base.versions], [v.id for v in reform.versions]
    return PolicyDiff(base.id, reform.id, [v for v in reform_versions if v not in base_versions],
                      [v for v in base_versions if v not in reform_versions], programs)


def _rules(program: Program) -> dict[str, Rule | OutputRule]:
    found: dict[str, Rule | OutputRule] = {r.name.path: r for r in (*program.preconditions, *program.categories,
                                                                    *program.exclusions)}
    found.update({o.rule.name.path: o for o in program.outputs})
    return found


def _rule(item: Rule | OutputRule) -> Rule:
    return item.rule if isinstance(item, OutputRule) else item


def _added(item: Rule | OutputRule, change: str) -> RuleChange:
    rule = _rule(item)
    return RuleChange(change, rule.name.path, rule.clause, rule.label,
                      {name: (None, value) if change == "added" else (value, None)
                       for name, value in _shown(item).items()})


def _shown(item: Rule | OutputRule) -> dict[str, Any]:
    """A rule's parts as comparable, readable values."""
    rule = _rule(item)
    shown: dict[str, Any] = {"condition": describe(rule.condition) if rule.condition is not None else "always",
                             "clause": rule.clause, "label": rule.label, "label_en": rule.label_en,
                             "outcome": rule.outcome, "department": rule.department}
    if isinstance(item, OutputRule):
        shown.update({name: str(value) for name, value in item.sets})
        shown["benefit_start"] = item.benefit_start.text if item.benefit_start is not None else None
        shown["benefit_end"] = item.benefit_end.text if item.benefit_end is not None else None
        shown["deadlines"] = [f"{d.action}: {d.due.text}" for d in item.deadlines]
        shown["flags"] = list(item.flags)
        shown["benefits"] = [f"{b.item}={b.value}" for b in item.benefits]
        shown["overrides"] = list(item.overrides)
    return {name: value for name, value in shown.items() if value not in (None, [])}


def _program_diff(key: tuple[str, str], before: Program, after: Program) -> ProgramDiff | None:
    old, new = _rules(before), _rules(after)
    changes = [_added(new[path], "added") for path in new if path not in old]
    changes += [_added(old[path], "removed") for path in old if path not in new]
    for path in [p for p in new if p in old]:
        was, now = _shown(old[path]), _shown(new[path])
        differ = {name: (was.get(name), now.get(name)) for name in {**was, **now} if was.get(name) != now.get(name)}
        if differ:
            rule = _rule(new[path])
            changes.append(RuleChange("changed", path, rule.clause, rule.label, differ))
    parameters = []
    for parameter in after.parameters:
        found = _parameter(parameter, before.parameter(parameter.name))
        if found is not None:
            parameters.append(ParameterChange(**{**asdict(found), "used_by": users(after, parameter.name)}))
    parameters += [ParameterChange(p.name, p.label, p.unit, [(str(v.from_), str(v.value), None, None) for v in p.values],
                                   "removed") for p in before.parameters if after.parameter(p.name) is None]
    order = ([r.id for r in before.categories], [r.id for r in after.categories])
    priority = order if [c for c in order[0] if c in order[1]] != [c for c in order[1] if c in order[0]] else None
    if not (changes or parameters or priority):
        return None
    return ProgramDiff(key[0], key[1], changes, parameters, priority)


def users(program: Program, name: str) -> list[tuple[str, str]]:
    """The rules (with their clauses) that read parameter ``name``: as a threshold, a premium or an amount."""
    found = []
    for rule in program.rules():
        nodes = walk(rule.condition) if rule.condition is not None else ()
        if any(ref.name == name for node in nodes for ref in parameter_refs(node)):
            found.append((rule.name.path, rule.clause))
    for output in program.outputs:
        if any(field_ in ("premium", "amount") and value == name for field_, value in output.sets):
            found.append((output.rule.name.path, output.rule.clause))
    return found


def _parameter(after: Any, before: Any) -> ParameterChange | None:
    old = {v.from_: v for v in before.values} if before is not None else {}
    new = {v.from_: v for v in after.values}
    values = [(str(day), str(old[day].value) if day in old else None, str(new[day].value) if day in new else None,
               new[day].source if day in new else None)
              for day in sorted(old.keys() | new.keys())
              if day not in old or day not in new or old[day].value != new[day].value]
    if before is not None and not values:
        return None
    return ParameterChange(after.name, after.label, after.unit, values, "added" if before is None else "changed")


def format_diff(found: PolicyDiff) -> str:
    """The difference as text, clause by clause."""
    lines = [f"{found.base} -> {found.reform}"]
    if found.empty:
        return lines[0] + ": no difference"
    for version in found.versions_added:
        lines.append(f"+ version {version}")
    for version in found.versions_removed:
        lines.append(f"- version {version}")
    for program in found.programs:
        lines.append(f"version {program.version}, {program.program}:")
        for parameter in program.parameters:
            lines.append(f"  ~ parameters.{parameter.parameter} ({parameter.label}, {parameter.unit}):")
            for day, was, now, source in parameter.values:
                lines.append(f"      from {day}: {was if was is not None else '—'} -> {now if now is not None else '—'}"
                             + (f"  [{source}]" if source else ""))
            for rule, clause in parameter.used_by:
                lines.append(f"      read by [{clause}] {rule}")
        if program.priority is not None:
            lines.append(f"  ~ priority: {', '.join(program.priority[0])}")
            lines.append(f"           -> {', '.join(program.priority[1])}")
        for change in sorted(program.rules, key=lambda c: (c.clause, c.rule)):
            mark = {"added": "+", "removed": "-", "changed": "~"}[change.change]
            lines.append(f"  {mark} [{change.clause}] {change.rule} ({change.label})")
            for name, (was, now) in change.fields.items():
                if change.change == "changed":
                    lines.append(f"      {name}: {was if was is not None else '—'}")
                    lines.append(f"      {' ' * len(name)}  -> {now if now is not None else '—'}")
                else:
                    lines.append(f"      {name}: {now if change.change == 'added' else was}")
    return "\n".join(lines)
