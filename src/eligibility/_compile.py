"""Loading a policy file: YAML -> validated models -> compiled, immutable structures.

Every problem found is collected (not just the first) and raised as one PolicyError,
each issue located by file, line and column with a hint.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path as FsPath
from types import MappingProxyType
from typing import Any, Mapping

from pydantic import ValidationError

from ._condition_compiler import Compiler, did_you_mean
from ._conditions import Condition, DateExpr
from ._decision import CategoryRef, PolicyRef
from ._errors import PolicyError, PolicyIssue
from ._policy_model import (Category, Exclusion, Output, Parameter, ParameterValue, PolicyFile, Precondition, Program,
                            Version)
from ._yaml import MAX_FILE_BYTES, Located, load_located


_SINGULAR = {"preconditions": "precondition", "categories": "category", "exclusions": "exclusion",
             "outputs": "output"}


@dataclass(frozen=True)
class CompiledRule:
    id: str
    kind: str          # precondition | category | exclusion | output
    clause: str
    label: str
    condition: Condition | None
    spec: Precondition | Category | Exclusion | Output
    ref: CategoryRef = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # what a decision names a matched category by, built once here rather than per decision
        object.__setattr__(self, "ref", CategoryRef(id=self.id, label=self.label, clause=self.clause))


@dataclass(frozen=True)
class CompiledDeadline:
    action: str
    label: str
    due: DateExpr


@dataclass(frozen=True)
class CompiledOutput:
    rule: CompiledRule
    benefit_start: DateExpr | None
    benefit_end: DateExpr | None
    deadlines: tuple[CompiledDeadline, ...]
    # the single-valued fields this output sets, read once at compile time (first set wins)
    sets: tuple[tuple[str, Any], ...] = ()
    # its flags and tier benefits (item, label, value), as tuples: nothing a caller holds can change them
    flags: tuple[str, ...] = ()
    benefits: tuple[tuple[str, str, str], ...] = ()


_SINGLE_VALUED = ("funding_source", "payment", "share", "premium", "amount", "tier", "responsible_region",
                  "enrollment_unit")


@dataclass(frozen=True)
class CompiledProgram:
    name: str
    spec: Program
    preconditions: tuple[CompiledRule, ...]
    categories: tuple[CompiledRule, ...]          # in priority order
    exclusions: tuple[CompiledRule, ...]
    outputs: tuple[CompiledOutput, ...]
    parameters: Mapping[str, Parameter]
    # read from the models once, as tuples: the models' lists are not frozen
    years: tuple[int, ...] | None = dataclasses.field(init=False, repr=False, compare=False)
    values: Mapping[str, tuple[ParameterValue, ...]] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        years = self.spec.coverage_year.years
        object.__setattr__(self, "years", tuple(years) if years is not None else None)
        object.__setattr__(self, "values", MappingProxyType(
            {name: tuple(parameter.values) for name, parameter in self.parameters.items()}))

    def coverage_year(self, as_of: dt.date, requested: int | None) -> int:
        """The insurance year a request is for: the one it names, else the program's default."""
        if requested is not None:
            return requested
        default = self.spec.coverage_year.default
        if default == "next_year":
            return as_of.year + 1
        if default == "first_ruled" and self.years:
            return self.years[0]
        return as_of.year


@dataclass(frozen=True)
class CompiledVersion:
    spec: Version
    programs: Mapping[str, CompiledProgram]

    def in_force(self, day: dt.date) -> bool:
        window = self.spec.effective
        return window.from_ <= day and (window.to is None or day <= window.to)


@dataclass(frozen=True)
class Policy:
    """A compiled, immutable city policy. Build it with :func:`eligibility.load_policy`."""

    city: str
    name: str
    region: str
    file: str
    versions: tuple[CompiledVersion, ...]
    spec: PolicyFile
    programs: frozenset[str] = dataclasses.field(init=False, repr=False, compare=False)
    # the decision's ``policy`` part for each version id, built once at load
    version_refs: Mapping[str, PolicyRef] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "programs", frozenset(name for v in self.versions for name in v.programs))
        object.__setattr__(self, "version_refs", MappingProxyType({
            v.spec.id: PolicyRef(city=self.city, name=self.name, version=v.spec.id,
                                 document_number=v.spec.document.number, document_title=v.spec.document.title,
                                 effective_from=v.spec.effective.from_, effective_to=v.spec.effective.to,
                                 source=v.spec.document.source)
            for v in self.versions}))

    def version_on(self, day: dt.date) -> CompiledVersion | None:
        return next((v for v in self.versions if v.in_force(day)), None)

    @property
    def clauses(self) -> frozenset[str]:
        """Every clause the policy cites."""
        return frozenset(rule.clause for _, rule in self.rules())

    def rules(self) -> list[tuple[str, CompiledRule]]:
        """Every (version id, rule) pair: for coverage reports and static checks."""
        out = []
        for version in self.versions:
            for program in version.programs.values():
                for rule in (*program.preconditions, *program.categories, *program.exclusions):
                    out.append((version.spec.id, rule))
                out += [(version.spec.id, o.rule) for o in program.outputs]
        return out

    def __repr__(self) -> str:
        return f"<Policy {self.city} ({self.name}), {len(self.versions)} version(s)>"


def load_policy_file(path: str | FsPath, *, display_name: str | None = None) -> Policy:
    """Read, validate and compile one policy file; raise PolicyError listing every problem."""
    path = FsPath(path)
    name = display_name or str(path)
    try:
        # refuse before reading: a huge file would otherwise be read into memory whole
        if path.stat().st_size > MAX_FILE_BYTES:
            raise PolicyError([PolicyIssue("file_too_large", f"file is larger than {MAX_FILE_BYTES} bytes",
                                           name, 1, 1, "split the policy or remove what it does not need")])
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError([PolicyIssue("not_found", "no such policy file", name, None, None,
                                       "check the path; bundled policies are listed by `eligibility policies`")]) from None
    except UnicodeDecodeError as exc:
        before = exc.object[:exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", errors="replace")) + 1
        raise PolicyError([PolicyIssue("encoding", f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                                       name, line, column, "save the file as UTF-8")]) from None
    except IsADirectoryError:
        raise PolicyError([PolicyIssue("not_found", "a directory, not a policy file", name, 1, 1,
                                       "give a .yaml file, or the directory to `eligibility check`")]) from None
    return compile_policy_text(text, name, expected_city=path.stem)


def compile_policy_text(text: str, file: str, *, expected_city: str | None = None) -> Policy:
    located, issues = load_located(text, file)
    if located is None:
        raise PolicyError(issues)
    if not isinstance(located.data, dict):
        raise PolicyError([located.issue((), "bad_structure", "a policy file is a mapping",
                                         "start with `city:`, `name:`, `region:` and `versions:`")])
    try:
        model = PolicyFile.model_validate(located.data)
    except ValidationError as exc:
        raise PolicyError([_pydantic_issue(located, error) for error in exc.errors()]) from None
    if expected_city is not None and model.city != expected_city:
        issues.append(located.issue(("city",), "city_mismatch",
                                    f"city {model.city!r} does not match the file name {expected_city!r}",
                                    "the policy id is the file stem: rename the file or fix `city:`"))
    compiler = Compiler(located, issues)
    compiler.codes = model.codes
    versions = tuple(_compile_version(v, ("versions", i), compiler) for i, v in enumerate(model.versions))
    _check_windows(model, located, issues)
    if issues:
        raise PolicyError([_with_hint(issue) for issue in issues])
    return Policy(city=model.city, name=model.name, region=model.region, file=file,
                  versions=versions, spec=model)


# hints for compiler issues raised without one: every message says what to do
_DEFAULT_HINTS = {
    "bad_condition": "see the conditions table in docs/authoring.md",
    "bad_value": "use one of the values docs/authoring.md lists for this condition",
    "missing_key": "add the key; docs/authoring.md shows each construct's keys",
}


def _with_hint(issue: PolicyIssue) -> PolicyIssue:
    if issue.hint:
        return issue
    return dataclasses.replace(issue, hint=_DEFAULT_HINTS.get(issue.code, "see docs/errors.md for this code"))


def _pydantic_issue(located: Located, error: dict[str, Any]) -> PolicyIssue:
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        allowed = sorted(_field_names(parent)) if parent else []
        hint = f"{did_you_mean(loc[-1], allowed)}allowed keys here: {', '.join(allowed)}" if allowed else None
        return located.issue(loc, "unknown_key", f"unknown key {loc[-1]!r}", hint)
    if kind == "missing":
        return located.issue(loc[:-1], "missing_key", f"missing key {loc[-1]!r}", f"add `{loc[-1]}:`")
    message = error["msg"]
    value = error.get("input")
    if isinstance(value, (str, int, float)) and len(str(value)) < 60:
        message += f" (got {value!r})"
    hint = _PYDANTIC_HINTS.get(kind, "see docs/authoring.md for what this key takes")
    if kind.startswith("decimal") or kind in ("value_error",):
        hint = "amounts are plain numbers, quoted, with no unit: \"280\""
    elif kind.startswith("date") and kind not in _PYDANTIC_HINTS:
        hint = "dates are YYYY-MM-DD"
    elif kind == "literal_error":
        hint = "use one of the values listed"
    return located.issue(loc, kind, message, hint)


# hints for pydantic's error types (docs/errors.md lists them); anything else gets a pointer
_PYDANTIC_HINTS = {
    "string_type": "write text here (quote it if YAML reads it as a number, date or yes/no)",
    "string_too_short": "this text may not be empty",
    "string_pattern_mismatch": "ids are snake_case (a-z, 0-9, _); region codes are digits, quoted",
    "int_type": "write a whole number", "int_parsing": "write a whole number",
    "bool_type": "write true or false", "bool_parsing": "write true or false",
    "list_type": "write a list: [a, b] or one `- item` per line",
    "dict_type": "write a mapping: `key: value` lines",
    "model_type": "write a mapping: `key: value` lines",
    "too_short": "the list may not be empty", "too_long": "the list is too long",
    "finite_number": "write a finite number", "less_than_equal": "the value is too large",
    "greater_than_equal": "the value is too small", "greater_than": "the value is too small",
    "less_than": "the value is too large",
    "date_type": "dates are YYYY-MM-DD", "datetime_type": "date-times are YYYY-MM-DDTHH:MM",
}


def _model_at(loc: tuple[Any, ...]) -> type | None:
    """The pydantic model class that validates the mapping at ``loc``, for did-you-mean."""
    from ._policy_model import Codes, CoverageYear, Deadline, Document, ParameterValue, TierBenefit, Window

    model: Any = PolicyFile
    nested = {("versions",): Version, ("document",): Document, ("effective",): Window,
              ("programs",): Program, ("parameters",): Parameter, ("values",): ParameterValue,
              ("preconditions",): Precondition, ("categories",): Category, ("exclusions",): Exclusion,
              ("outputs",): Output, ("deadlines",): Deadline, ("benefits",): TierBenefit,
              ("coverage_year",): CoverageYear, ("ruled",): Window, ("codes",): Codes}
    for part in loc:
        if isinstance(part, int):
            continue
        found = nested.get((part,))
        if found is None:
            continue  # a mapping key such as a program or parameter name
        model = found
    return model


def _field_names(model: type) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


def _compile_version(version: Version, path: tuple, compiler: Compiler) -> CompiledVersion:
    programs = {name: _compile_program(name, program, path + ("programs", name), compiler, version)
                for name, program in version.programs.items()}
    return CompiledVersion(spec=version, programs=MappingProxyType(programs))


def _compile_program(name: str, program: Program, path: tuple, compiler: Compiler,
                     version: Version) -> CompiledProgram:
    seen: dict[str, tuple] = {}

    def rules(kind: str, specs: list, required_when: bool) -> list[CompiledRule]:
        out = []
        for i, spec in enumerate(specs):
            rule_path = path + (kind, i)
            if spec.id in seen:
                compiler.error(rule_path + ("id",), "duplicate_rule", f"rule id {spec.id!r} is used twice",
                               "rule ids are unique within a program")
            seen[spec.id] = rule_path
            if spec.when is None and required_when:
                compiler.error(rule_path, "missing_key", "missing key 'when'", "state the condition")
            condition = compiler.condition(spec.when, rule_path + ("when",)) if spec.when is not None else None
            out.append(CompiledRule(spec.id, _SINGULAR[kind], spec.clause, spec.label, condition, spec))
        return out

    compiler.begin_program({c.id for c in program.categories})
    preconditions = rules("preconditions", program.preconditions, True)
    categories = rules("categories", program.categories, True)
    # `category: {held_on: …}` in exclusions and outputs re-reads these conditions
    compiler.category_conditions.update((c.id, c.condition) for c in categories if c.condition is not None)
    exclusions = rules("exclusions", program.exclusions, True)
    output_rules = rules("outputs", program.outputs, False)

    if program.priority is not None:
        known = {c.id for c in categories}
        for i, cid in enumerate(program.priority):
            if cid not in known:
                compiler.error(path + ("priority", i), "unknown_category", f"unknown category {cid!r}",
                               f"{did_you_mean(cid, known)}categories: {', '.join(sorted(known))}")
        missing = [c.id for c in categories if c.id not in program.priority]
        if missing:
            compiler.error(path + ("priority",), "incomplete_priority",
                           f"priority does not rank: {', '.join(missing)}", "list every category once")
        rank = {cid: i for i, cid in enumerate(program.priority)}
        categories.sort(key=lambda c: rank.get(c.id, len(rank)))

    outputs = []
    for i, rule in enumerate(output_rules):
        spec = rule.spec
        assert isinstance(spec, Output)
        out_path = path + ("outputs", i)
        for param_field in ("premium", "amount"):
            pname = getattr(spec, param_field)
            if pname is not None and pname not in program.parameters:
                compiler.error(out_path + (param_field,), "unknown_parameter", f"unknown parameter {pname!r}",
                               f"{did_you_mean(pname, program.parameters)}declare it under `parameters:`")
        codes = compiler.codes
        for flag in spec.flags:
            if codes is not None and flag not in codes.flags:
                compiler.error(out_path + ("flags",), "undeclared_code", f"flag {flag!r} is not declared",
                               f"{did_you_mean(flag, codes.flags)}declare it with its label under `codes: flags:`")
        if codes is not None and spec.funding_source is not None and spec.funding_source not in codes.funding_sources:
            compiler.error(out_path + ("funding_source",), "undeclared_code",
                           f"funding source {spec.funding_source!r} is not declared",
                           f"{did_you_mean(spec.funding_source, codes.funding_sources)}"
                           "declare it with its label under `codes: funding_sources:`")
        outputs.append(CompiledOutput(
            rule=rule,
            benefit_start=compiler.date_expr(spec.benefit_start, out_path + ("benefit_start",))
            if spec.benefit_start is not None else None,
            benefit_end=compiler.date_expr(spec.benefit_end, out_path + ("benefit_end",))
            if spec.benefit_end is not None else None,
            deadlines=tuple(CompiledDeadline(d.action, d.label, compiler.date_expr(d.due, out_path + ("deadlines", j, "due")))
                            for j, d in enumerate(spec.deadlines)),
            sets=tuple((name, getattr(spec, name)) for name in _SINGLE_VALUED if getattr(spec, name) is not None),
            flags=tuple(spec.flags),
            benefits=tuple((b.item, b.label, b.value) for b in spec.benefits),
        ))

    first_year = (min(program.coverage_year.years) if program.coverage_year.years else version.effective.from_.year)
    for pname, parameter in program.parameters.items():
        ppath = path + ("parameters", pname)
        seen_from: dict[dt.date, int] = {}
        for k, value in enumerate(parameter.values):
            if value.from_ in seen_from:
                # two values from one date: the engine would silently keep one of them
                compiler.error(ppath + ("values", k, "from"), "conflicting_values",
                               f"parameter {pname!r} has two values from {value.from_} "
                               f"(values[{seen_from[value.from_]}] and values[{k}])",
                               "keep one value per date; a later figure starts on a later `from:`")
            seen_from.setdefault(value.from_, k)
        if parameter.caller_supplied:
            continue
        if not parameter.values:
            compiler.error(ppath, "parameter_without_value", f"parameter {pname!r} has no value",
                           "give `values:` with a cited source, or declare `caller_supplied: true`")
        elif min(v.from_ for v in parameter.values) > dt.date(first_year, 1, 1):
            compiler.error(ppath, "parameter_gap",
                           f"parameter {pname!r} has no value on {first_year}-01-01, the start of the first "
                           "coverage year this version rules",
                           "add a value from that date or declare `caller_supplied: true`")

    return CompiledProgram(name=name, spec=program, preconditions=tuple(preconditions),
                           categories=tuple(categories), exclusions=tuple(exclusions),
                           outputs=tuple(outputs), parameters=MappingProxyType(dict(program.parameters)))


def _check_windows(model: PolicyFile, located: Located, issues: list[PolicyIssue]) -> None:
    ordered = sorted(enumerate(model.versions), key=lambda iv: iv[1].effective.from_)
    for (i, a), (j, b) in zip(ordered, ordered[1:]):
        if a.effective.to is None or a.effective.to >= b.effective.from_:
            issues.append(located.issue(("versions", j, "effective", "from"), "overlapping_versions",
                                        f"version {b.id!r} starts on {b.effective.from_} while version {a.id!r} "
                                        "is still in force", f"end version {a.id!r} the day before"))
        elif (b.effective.from_ - a.effective.to).days > 1:
            issues.append(located.issue(("versions", j, "effective", "from"), "version_gap",
                                        f"no version is in force from {a.effective.to + dt.timedelta(days=1)} "
                                        f"to {b.effective.from_ - dt.timedelta(days=1)}",
                                        f"end version {a.id!r} the day before {b.id!r} starts, or add a version"))
    for i, version in enumerate(model.versions):
        if version.effective.to is not None and version.effective.to < version.effective.from_:
            issues.append(located.issue(("versions", i, "effective", "to"), "bad_window",
                                        "effective.to is before effective.from",
                                        "swap the dates, or fix the one that is mistyped"))
