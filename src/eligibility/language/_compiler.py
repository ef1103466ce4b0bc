"""Compiling a policy file: YAML → validated models → the IR (``_ir``), every problem located.

Each condition is compiled by its kind's module (``kinds/``), looked up by its one key;
identical conditions intern to one node.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..contract import CodeLabel, Choices, Person
from ..errors import PolicyError, PolicyIssue
from ..loading import Located, load_located
from . import _model as m
from ._dates import compile_date
from ._ir import (PLURAL, BenefitSpec, DatedValue, DateExpr, DeadlineSpec, Document, FactDefault, Node,
                  OutputRule, ParameterDef, ParameterRef, Position, Program, Rule, RuleId, Version)
from ._policy import CODE_SECTIONS, Acknowledged, Policy, Reform
from .issues import did_you_mean, pydantic_issues
from .kinds.registry import BY_KEY, KEYS

_SINGLE_VALUED = ("funding_source", "payment", "share", "premium", "amount", "tier", "responsible_region",
                  "enrollment_unit")
_SINGULAR = {plural: kind for kind, plural in PLURAL.items()}


class _Context:
    """The compile context a kind is given: errors, spec validation, sub-conditions, dates."""

    def __init__(self, located: Located, issues: list[PolicyIssue]):
        self.located, self.issues = located, issues
        self.category_ids: frozenset[str] = frozenset()
        self.parameters: dict[str, m.Parameter] = {}
        self.section = ""
        self.interned: dict[Any, Any] = {}

    def error(self, path: tuple, code: str, message: str, hint: str | None = None) -> None:
        self.issues.append(self.located.issue(path, code, message, hint or _DEFAULT_HINTS.get(code, "see docs/errors.md for this code")))

    def position(self, path: tuple) -> Position:
        line, column = self.located.where(path)
        return Position(self.located.file_of(path), line, column)

    def threshold(self, raw: Any, path: tuple) -> int | ParameterRef | None:
        """A threshold as written: a whole number, or ``{parameter: name}`` naming a parameter of
        the program in years with stated values."""
        if raw is None or isinstance(raw, int):
            return raw
        name = raw.parameter
        parameter = self.parameters.get(name)
        if parameter is None:
            self.error(path + ("parameter",), "unknown_parameter", f"unknown parameter {name!r}",
                       f"{did_you_mean(name, self.parameters)}declare it under the program's `parameters:`")
            return None
        if parameter.unit != "years" or parameter.caller_supplied:  # the rule of ParameterDef.threshold, on the file model
            self.error(path + ("parameter",), "bad_threshold",
                       f"parameter {name!r} is not a threshold: it needs `unit: years` and stated values",
                       "declare the threshold with `unit: years` and dated `values:` citing the text")
            return None
        return ParameterRef(name)

    def validate(self, model: type[BaseModel], raw: Any, path: tuple) -> Any:
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            self.issues += pydantic_issues(self.located, path, model, exc.errors())
            return None

    def condition(self, raw: Any, path: tuple) -> Node | None:
        if not isinstance(raw, dict) or len(raw) != 1:
            self.error(path, "bad_condition", "a condition is a mapping with exactly one key",
                       f"use one of: {', '.join(KEYS)}")
            return None
        (key, body), = raw.items()
        kind = BY_KEY.get(key)
        if kind is None:
            self.error(path + (key,), "unknown_condition", f"unknown condition {key!r}",
                       f"{did_you_mean(key, KEYS)}known: {', '.join(KEYS)}")
            return None
        node = kind.compile(key, body, path + (key,), self)
        return None if node is None else self.interned.setdefault(node, node)

    def date(self, raw: Any, path: tuple) -> DateExpr | None:
        expr = compile_date(raw, path, self)
        return None if expr is None else self.interned.setdefault(expr, expr)


# hints for issues raised without one: every message says what to do
_DEFAULT_HINTS = {
    "bad_condition": "see the conditions table in docs/authoring.md",
    "bad_value": "use one of the values docs/authoring.md lists for this condition",
    "missing_key": "add the key; docs/authoring.md shows each construct's keys",
}


def compile_policy_text(text: str, file: str, *, expected_city: str | None = None) -> Policy:
    """Compile a policy from its YAML text; raise PolicyError listing every problem."""
    located, issues = load_located(text, file)
    if located is None:
        raise PolicyError(issues)
    return compile_located(located, text, expected_city=expected_city)


def compile_located(located: Located, text: str, *, expected_city: str | None = None,
                    reform: Reform | None = None) -> Policy:
    """Compile located policy data (a file's, or a reform's changes over its base: each part
    located in the file it was written in); raise PolicyError listing every problem."""
    issues: list[PolicyIssue] = []
    if not isinstance(located.data, dict):
        raise PolicyError([located.issue((), "bad_structure", "a policy file is a mapping",
                                         "start with `city:`, `name:`, `region:` and `versions:`")])
    try:
        model = m.PolicyFile.model_validate(located.data)
    except ValidationError as exc:
        raise PolicyError(pydantic_issues(located, (), m.PolicyFile, exc.errors())) from None
    if expected_city is not None and model.city != expected_city:
        issues.append(located.issue(("city",), "city_mismatch",
                                    f"city {model.city!r} does not match the file name {expected_city!r}",
                                    "the policy id is the file stem: rename the file or fix `city:`"))
    cx = _Context(located, issues)
    versions = tuple(_version(model, v, ("versions", i), cx) for i, v in enumerate(model.versions))
    _check_versions(model, cx)
    if issues:
        raise PolicyError(issues)
    codes = tuple((section, tuple((code, CodeLabel(label.zh, label.en, label.clause))
                                  for code, label in getattr(model.codes, section).items()))
                  for section in CODE_SECTIONS)
    acknowledged = tuple(Acknowledged(a.code, a.rule, a.reason, cx.position(("lint", "acknowledge", i)))
                         for i, a in enumerate(model.lint.acknowledge))
    return Policy(city=model.city, name=model.name, region=model.region, file=located.file, versions=versions,
                  codes=codes, text=text, acknowledged=acknowledged, reform=reform)


def _version(model: m.PolicyFile, version: m.Version, path: tuple, cx: _Context) -> Version:
    programs = tuple(_program(model, name, program, path + ("programs", name), cx, version)
                     for name, program in version.programs.items())
    doc = version.document
    return Version(id=version.id, document=Document(doc.number, doc.title, tuple(doc.issuers), doc.issued, doc.source),
                   effective_from=version.effective.from_, effective_to=version.effective.to,
                   basis=version.effective.basis, programs=programs)


def _rules(model: m.PolicyFile, kind: str, specs: list[Any], path: tuple, cx: _Context, seen: dict[str, tuple],
           required_when: bool) -> list[Rule]:
    out = []
    cx.section = kind
    for i, spec in enumerate(specs):
        rule_path = path + (kind, i)
        if spec.id in seen:
            cx.error(rule_path + ("id",), "duplicate_rule", f"rule id {spec.id!r} is used twice",
                     "rule ids are unique within a program")
        seen[spec.id] = rule_path
        condition = None
        if spec.when is None and required_when:
            cx.error(rule_path, "missing_key", "missing key 'when'", "state the condition")
        elif spec.when is not None:
            condition = cx.condition(spec.when, rule_path + ("when",))
        department = getattr(spec, "department", None)
        if department is not None and department not in model.codes.departments:
            cx.error(rule_path + ("department",), "undeclared_code", f"department {department!r} is not declared",
                     f"{did_you_mean(department, model.codes.departments)}"
                     "declare it with its labels under `codes: departments:`")
        out.append(Rule(RuleId(_SINGULAR[kind], spec.id), spec.clause, spec.label, condition,  # type: ignore[arg-type]
                        getattr(spec, "outcome", None), department, spec.label_en, at=cx.position(rule_path)))
    return out


# the schemes a request's `program` may name: a misspelt program would otherwise compile to
# a program no request ever reaches
KNOWN_PROGRAMS = ("resident_medical", "resident_pension")


def _program(model: m.PolicyFile, name: str, program: m.Program, path: tuple, cx: _Context,
             version: m.Version) -> Program:
    if name not in KNOWN_PROGRAMS:
        from .issues import did_you_mean
        cx.error(path, "unknown_program", f"unknown program {name!r}",
                 f"{did_you_mean(name, KNOWN_PROGRAMS)}known programs: {', '.join(KNOWN_PROGRAMS)}")
    _check_years(program.coverage_year.years, version, path + ("coverage_year", "years"), cx)
    seen: dict[str, tuple] = {}
    cx.category_ids = frozenset(c.id for c in program.categories)
    cx.parameters = dict(program.parameters)
    preconditions = _rules(model, "preconditions", program.preconditions, path, cx, seen, True)
    categories = _rules(model, "categories", program.categories, path, cx, seen, True)
    exclusions = _rules(model, "exclusions", program.exclusions, path, cx, seen, True)
    output_rules = _rules(model, "outputs", program.outputs, path, cx, seen, False)
    if program.priority is not None:
        categories = _prioritised(categories, program.priority, path, cx)
    outputs = tuple(_output(model, rule, spec, program, path + ("outputs", i), cx)
                    for i, (rule, spec) in enumerate(zip(output_rules, program.outputs)))
    parameters = tuple(_parameter(pname, parameter, path + ("parameters", pname), cx, program, version)
                       for pname, parameter in program.parameters.items())
    years = program.coverage_year.years
    defaults = tuple(_default(d, path + ("defaults", i), cx) for i, d in enumerate(program.defaults))
    return Program(name=name, label=program.label, label_en=program.label_en,
                   coverage_default=program.coverage_year.default,
                   years=tuple(years) if years is not None else None, status_date=program.status_date,
                   parameters=parameters, preconditions=tuple(preconditions), categories=tuple(categories),
                   exclusions=tuple(exclusions), outputs=outputs,
                   priority=tuple(program.priority) if program.priority is not None else None,
                   defaults=tuple(d for d in defaults if d is not None))


def _default(spec: m.FactDefault, path: tuple, cx: _Context) -> FactDefault | None:
    """A default the text sets, its value checked against the request contract's type of the fact."""
    owner, name = spec.fact.split(".")
    model = Choices if owner == "choices" else Person
    try:
        value = TypeAdapter(model.model_fields[name].annotation).validate_python(spec.value)
    except ValidationError as error:
        cx.error(path + ("value",), "bad_value", f"{spec.value!r} is not a value of {spec.fact}: "
                 f"{error.errors()[0]['msg']}", "write a value the request contract allows for that fact")
        return None
    if value is None:
        cx.error(path + ("value",), "bad_value", "a default needs a value")
        return None
    return FactDefault(spec.fact, value, spec.clause, spec.label, spec.label_en)


def _check_years(years: list[int] | None, version: m.Version, path: tuple, cx: _Context) -> None:
    """A version rules insurance years from its first year to the year after its last (the
    autumn collection period enrols for the next year)."""
    if not years:
        return
    first = version.effective.from_.year
    last = version.effective.to.year + 1 if version.effective.to is not None else None
    outside = [year for year in years if year < first or (last is not None and year > last)]
    if outside:
        window = f"{first}..{last if last is not None else 'open'}"
        cx.error(path, "coverage_year_outside_window",
                 f"years {outside} are outside the years this version can rule ({window})",
                 "list the insurance years the text rules, within the version's window (or the year after it)")


def _prioritised(categories: list[Rule], priority: list[str], path: tuple, cx: _Context) -> list[Rule]:
    known = {c.id for c in categories}
    seen: set[str] = set()
    for i, cid in enumerate(priority):
        if cid not in known:
            cx.error(path + ("priority", i), "unknown_category", f"unknown category {cid!r}",
                     f"{did_you_mean(cid, known)}categories: {', '.join(sorted(known))}")
        elif cid in seen:
            cx.error(path + ("priority", i), "duplicate_priority", f"category {cid!r} is ranked twice",
                     "list every category once")
        seen.add(cid)
    missing = [c.id for c in categories if c.id not in priority]
    if missing:
        cx.error(path + ("priority",), "incomplete_priority", f"priority does not rank: {', '.join(missing)}",
                 "list every category once")
    rank = {cid: i for i, cid in reversed(list(enumerate(priority)))}
    return sorted(categories, key=lambda c: rank.get(c.id, len(rank)))


def _output(model: m.PolicyFile, rule: Rule, spec: m.Output, program: m.Program, path: tuple,
            cx: _Context) -> OutputRule:
    for param_field in ("premium", "amount"):
        pname = getattr(spec, param_field)
        if pname is not None and pname not in program.parameters:
            cx.error(path + (param_field,), "unknown_parameter", f"unknown parameter {pname!r}",
                     f"{did_you_mean(pname, program.parameters)}declare it under `parameters:`")
    codes = model.codes
    for flag in spec.flags:
        if flag not in codes.flags:
            cx.error(path + ("flags",), "undeclared_code", f"flag {flag!r} is not declared",
                     f"{did_you_mean(flag, codes.flags)}declare it with its labels under `codes: flags:`")
    if spec.funding_source is not None and spec.funding_source not in codes.funding_sources:
        cx.error(path + ("funding_source",), "undeclared_code", f"funding source {spec.funding_source!r} is not declared",
                 f"{did_you_mean(spec.funding_source, codes.funding_sources)}"
                 "declare it with its labels under `codes: funding_sources:`")
    return OutputRule(
        rule=rule,
        sets=tuple((name, getattr(spec, name)) for name in _SINGLE_VALUED if getattr(spec, name) is not None),
        benefit_start=cx.date(spec.benefit_start, path + ("benefit_start",)) if spec.benefit_start is not None
        else None,
        benefit_end=cx.date(spec.benefit_end, path + ("benefit_end",)) if spec.benefit_end is not None else None,
        deadlines=tuple(DeadlineSpec(d.action, d.label, due, d.label_en) for j, d in enumerate(spec.deadlines)
                        if (due := cx.date(d.due, path + ("deadlines", j, "due"))) is not None),
        flags=tuple(spec.flags),
        benefits=tuple(BenefitSpec(b.item, b.label, b.label_en, b.value) for b in spec.benefits),
        overrides=_overrides(spec, program, path, cx))


def _overrides(spec: m.Output, program: m.Program, path: tuple, cx: _Context) -> tuple[str, ...]:
    """The outputs ``spec`` declares it wins over: outputs of the program, not itself, without a cycle."""
    ids = [output.id for output in program.outputs]
    by_id = {output.id: output for output in program.outputs}
    for i, other in enumerate(spec.overrides):
        if other not in by_id or other == spec.id:
            cx.error(path + ("overrides", i), "unknown_rule", f"{other!r} is not another output of this program",
                     f"{did_you_mean(other, ids)}name the output this one wins over")
        elif _overridden_by(other, spec.id, by_id) and not (spec.id in by_id[other].overrides
                                                              and ids.index(spec.id) < ids.index(other)):
            # (two outputs naming each other: reported once, at the later one)
            cx.error(path + ("overrides", i), "override_cycle",
                     f"{spec.id!r} and {other!r} each override the other (directly or through others)",
                     "decide which of the two wins and declare it on one of them only")
    return tuple(spec.overrides)


def _overridden_by(start: str, target: str, by_id: dict[str, m.Output]) -> bool:
    """Whether ``start`` overrides ``target``, directly or through other outputs."""
    seen, stack = set(), [start]
    while stack:
        current = stack.pop()
        if current == target:
            return True
        if current in seen or current not in by_id:
            continue
        seen.add(current)
        stack += by_id[current].overrides
    return False


def _parameter(pname: str, parameter: m.Parameter, path: tuple, cx: _Context, program: m.Program,
               version: m.Version) -> ParameterDef:
    seen_from: dict[dt.date, int] = {}
    for k, value in enumerate(parameter.values):
        if value.from_ in seen_from:
            # two values from one date: the engine would silently keep one of them
            cx.error(path + ("values", k, "from"), "conflicting_values",
                     f"parameter {pname!r} has two values from {value.from_} "
                     f"(values[{seen_from[value.from_]}] and values[{k}])",
                     "keep one value per date; a later figure starts on a later `from:`")
        seen_from.setdefault(value.from_, k)
    first_year = min(program.coverage_year.years) if program.coverage_year.years else version.effective.from_.year
    if not parameter.caller_supplied:
        if not parameter.values:
            cx.error(path, "parameter_without_value", f"parameter {pname!r} has no value",
                     "give `values:` with a cited source, or declare `caller_supplied: true`")
        elif min(v.from_ for v in parameter.values) > dt.date(first_year, 1, 1):
            cx.error(path, "parameter_gap",
                     f"parameter {pname!r} has no value on {first_year}-01-01, the start of the first "
                     "coverage year this version rules", "add a value from that date or declare `caller_supplied: true`")
    return ParameterDef(pname, parameter.label, parameter.unit, parameter.caller_supplied, parameter.note,
                        tuple(DatedValue(v.from_, v.value, v.source) for v in parameter.values), parameter.label_en)


def _check_versions(model: m.PolicyFile, cx: _Context) -> None:
    ids: dict[str, int] = {}
    for i, version in enumerate(model.versions):
        if version.id in ids:
            cx.error(("versions", i, "id"), "duplicate_version", f"version id {version.id!r} is used twice",
                     f"give each version its own id (versions[{ids[version.id]}] has it already)")
        ids.setdefault(version.id, i)
        if version.effective.to is not None and version.effective.to < version.effective.from_:
            cx.error(("versions", i, "effective", "to"), "bad_window", "effective.to is before effective.from",
                     "swap the dates, or fix the one that is mistyped")
    ordered = sorted(enumerate(model.versions), key=lambda iv: iv[1].effective.from_)
    for (i, a), (j, b) in zip(ordered, ordered[1:]):
        if a.effective.to is None or a.effective.to >= b.effective.from_:
            cx.error(("versions", j, "effective", "from"), "overlapping_versions",
                     f"version {b.id!r} starts on {b.effective.from_} while version {a.id!r} is still in force",
                     f"end version {a.id!r} the day before")
        elif (b.effective.from_ - a.effective.to).days > 1:
            cx.error(("versions", j, "effective", "from"), "version_gap",
                     f"no version is in force from {a.effective.to + dt.timedelta(days=1)} "
                     f"to {b.effective.from_ - dt.timedelta(days=1)}",
                     f"end version {a.id!r} the day before {b.id!r} starts, or add a version")
