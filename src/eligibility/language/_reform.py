"""Reforms: a file that names a base policy and changes it, compiled like a policy.

A reform's changes are applied to the base's located data (new dated parameter values, a
rule's keys replaced, a rule added or removed, a version added, codes declared), then the
result is compiled by the policy compiler: the same validation, the same located errors.
Every part keeps the position of the file it was written in: what the reform wrote points
into the reform file, the rest into the base file. See docs/analysts.md.
"""

from __future__ import annotations

import copy
import hashlib
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from ..errors import PolicyError, PolicyIssue
from ..loading import MAX_FILE_BYTES, Located, load_located, read_located_file
from . import _model as m
from ._compiler import compile_located
from ._policy import Policy, Reform
from .issues import did_you_mean, pydantic_issues

_IDENT = r"^[a-z][a-z0-9_]*$"
_RULE = r"^(preconditions|categories|exclusions|outputs)\.[a-z][a-z0-9_]*$"


class _Where(m._Strict):
    version: str | None = Field(None, description="the version to change; every version that has the target if absent")
    program: str | None = Field(None, description="the program to change; every program that has the target if absent")


class ParameterChange(_Where):
    """New dated values of a parameter (a value from a date the base already has replaces it)."""

    parameter: str = Field(pattern=_IDENT)
    values: list[m.ParameterValue] = Field(min_length=1)


class ReplaceChange(_Where):
    """A rule's keys replaced (its condition, outputs, label...): ``with:`` gives the new keys."""

    replace: str = Field(pattern=_RULE)
    with_: dict[str, Any] = Field(alias="with", min_length=1)


class AddChange(_Where):
    """A rule added to a section; a category is ranked ``after`` a category (last if absent)."""

    add: Literal["preconditions", "categories", "exclusions", "outputs"]
    rule: dict[str, Any]
    after: str | None = Field(None, pattern=_IDENT, description="categories: rank it after this category")


class RemoveChange(_Where):
    remove: str = Field(pattern=_RULE)


class AddVersionChange(m._Strict):
    add_version: dict[str, Any]


class ReformFile(m._Strict):
    reform: str = Field(pattern=_IDENT, description="the reform's id")
    base: str = Field(min_length=1, description="a bundled city id, or a policy file path relative to this file")
    label: m.Label
    label_en: m.Label
    codes: dict[str, dict[str, Any]] = Field(default_factory=dict, description="codes declared in addition")
    lint: m.Lint = Field(default_factory=m.Lint)
    changes: list[ParameterChange | ReplaceChange | AddChange | RemoveChange | AddVersionChange] = Field(min_length=1)


def is_reform(data: Any) -> bool:
    """Whether decoded YAML is a reform (it names a base) rather than a policy."""
    return isinstance(data, dict) and "reform" in data


def compile_reform(located: Located, text: str, base_dir: Path, bundled: Path) -> Policy:
    """Apply a reform's changes to its base and compile the result; raise PolicyError with
    every problem, each located in the file it is in. ``base_dir`` is where a base given as a
    path is read from (the reform file's folder); ``bundled`` holds the policies named by city."""
    try:
        spec = ReformFile.model_validate(located.data)
    except ValidationError as exc:
        raise PolicyError(pydantic_issues(located, (), ReformFile, exc.errors())) from None
    base_path = _base_path(spec.base, base_dir, bundled, located)
    base_text, issues = read_located_file(base_path, MAX_FILE_BYTES, name=str(base_path))
    if base_text is None:
        raise PolicyError(issues)
    base, issues = load_located(base_text, str(base_path))
    if base is None:
        raise PolicyError(issues)
    if is_reform(base.data):
        raise PolicyError([located.issue(("base",), "bad_base", "a reform's base must be a policy, not a reform",
                                         "name the city policy the reform changes")])
    merged = _Merged(base, located)
    issues = []
    for i, change in enumerate(spec.changes):
        issues += merged.apply(change, ("changes", i))
    for section, codes in spec.codes.items():
        for code in codes:
            merged.put(("codes", section, code), ("codes", section, code), codes[code])
    for i, ack in enumerate(located.data.get("lint", {}).get("acknowledge", []) or []):
        acks = merged.data.setdefault("lint", {}).setdefault("acknowledge", [])
        merged.put(("lint", "acknowledge", len(acks)), ("lint", "acknowledge", i), ack, append_to=acks)
    if issues:
        raise PolicyError(issues)
    reform = Reform(spec.reform, spec.label, spec.label_en, str(base_path),
                    hashlib.sha256(base_text.encode("utf-8")).hexdigest(), str(base.data.get("city", "")))
    return compile_located(merged.located(), text, reform=reform)


def _base_path(base: str, base_dir: Path, bundled: Path, located: Located) -> Path:
    if base.endswith((".yaml", ".yml")):
        return Path(os.path.normpath(base_dir / base))
    path = bundled / f"{base}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in bundled.glob("*.yaml"))
        raise PolicyError([located.issue(("base",), "unknown_base", f"no bundled policy {base!r}",
                                         f"{did_you_mean(base, known)}name a city ({', '.join(known)}) or a "
                                         "policy file path ending in .yaml")])
    return path


class _Merged:
    """The base's data being changed, with the position and file of every part."""

    def __init__(self, base: Located, reform: Located):
        self.base, self.reform = base, reform
        self.data = copy.deepcopy(base.data)
        self.marks = dict(base.marks)
        self.files: dict[tuple, str] = {(): base.file}

    def located(self) -> Located:
        return Located(self.data, self.reform.file, self.marks, self.files)

    # -- positions ------------------------------------------------------------------------------
    def _drop(self, path: tuple) -> None:
        n = len(path)
        for table in (self.marks, self.files):
            for key in [k for k in table if k[:n] == path]:
                del table[key]

    def _graft(self, path: tuple, source: tuple) -> None:
        """Locate ``path`` and below in the reform file, at ``source`` and below."""
        self._drop(path)
        n = len(source)
        for key, mark in self.reform.marks.items():
            if key[:n] == source:
                self.marks[path + key[n:]] = mark
        self.marks.setdefault(path, self.reform.where(source))  # type: ignore[arg-type]
        self.files[path] = self.reform.file

    def _relocate(self, path: tuple, source: tuple) -> None:
        """``path`` (a whole value the reform rewrote, such as a ranking) located at the change ``source``."""
        self._drop(path)
        self.marks[path] = self.reform.where(source)  # type: ignore[assignment]
        self.files[path] = self.reform.file

    def _shift(self, items: tuple, start: int) -> None:
        """Items ``start`` and after of the list at ``items`` moved one place down (one was removed)."""
        n = len(items)
        for table in (self.marks, self.files):
            moved = {}
            for key in [k for k in table if k[:n] == items and len(k) > n and isinstance(k[n], int) and k[n] > start]:
                moved[items + (key[n] - 1,) + key[n + 1:]] = table.pop(key)
            table.update(moved)

    def put(self, path: tuple, source: tuple, value: Any, append_to: list | None = None) -> None:
        if append_to is not None:
            append_to.append(copy.deepcopy(value))
        else:
            parent = self.data
            for key in path[:-1]:
                parent = parent[key] if isinstance(parent, list) else parent.setdefault(key, {})
            parent[path[-1]] = copy.deepcopy(value)
        self._graft(path, source)

    # -- changes --------------------------------------------------------------------------------
    def places(self, change: Any, where: tuple) -> tuple[list[tuple[tuple, dict]], list[PolicyIssue]]:
        """The (path, program data) pairs a change applies to."""
        found = []
        for i, version in enumerate(self.data.get("versions", [])):
            if change.version is not None and str(version.get("id")) != change.version:
                continue
            for name, program in (version.get("programs") or {}).items():
                if change.program is None or name == change.program:
                    found.append((("versions", i, "programs", name), program))
        if not found:
            return [], [self.reform.issue(where, "unknown_target", "no version and program of the base match this change",
                                          "check `version:` and `program:` against the base policy")]
        return found, []

    def apply(self, change: Any, where: tuple) -> list[PolicyIssue]:
        if isinstance(change, AddVersionChange):
            versions = self.data.setdefault("versions", [])
            self.put(("versions", len(versions)), where + ("add_version",), change.add_version, append_to=versions)
            return []
        places, issues = self.places(change, where)
        if isinstance(change, ParameterChange):
            return issues + self._parameter(change, places, where)
        if isinstance(change, AddChange):
            return issues + self._add(change, places, where)
        return issues + self._rule(change, places, where)

    def _parameter(self, change: ParameterChange, places: list, where: tuple) -> list[PolicyIssue]:
        hits = [(path, program) for path, program in places if change.parameter in (program.get("parameters") or {})]
        if not hits:
            known = sorted({p for _, program in places for p in (program.get("parameters") or {})})
            return [self.reform.issue(where + ("parameter",), "unknown_parameter",
                                      f"the base declares no parameter {change.parameter!r} here",
                                      f"{did_you_mean(change.parameter, known)}name a parameter of the base")]
        raw = self.reform.data["changes"][where[1]]["values"]
        for path, program in hits:
            values = program["parameters"][change.parameter].setdefault("values", [])
            items = path + ("parameters", change.parameter, "values")
            for k, (value, written) in enumerate(zip(change.values, raw)):
                same = next((j for j, old in enumerate(values) if str(old.get("from")) == str(value.from_)), None)
                if same is not None:
                    values[same] = copy.deepcopy(written)
                    self._graft(items + (same,), where + ("values", k))
                else:
                    self.put(items + (len(values),), where + ("values", k), written, append_to=values)
        return []

    def _add(self, change: AddChange, places: list, where: tuple) -> list[PolicyIssue]:
        for path, program in places:
            rules = program.setdefault(change.add, [])
            if change.add == "categories" and change.after is not None:
                # checked before anything changes; the ranking is the priority list, else the declaration order
                ranked = program.get("priority") or [r.get("id") for r in rules if isinstance(r, dict)]
                if change.after not in ranked:
                    return [self.reform.issue(where + ("after",), "unknown_category",
                                              f"unknown category {change.after!r}",
                                              f"{did_you_mean(change.after, ranked)}name a category of the base")]
            self.put(path + (change.add, len(rules)), where + ("rule",), change.rule, append_to=rules)
            priority = program.get("priority")
            if change.add == "categories" and (priority is not None or change.after is not None):
                if priority is None:  # the declaration order becomes an explicit ranking, to place the new one
                    priority = program["priority"] = [r.get("id") for r in rules[:-1] if isinstance(r, dict)]
                rank = priority.index(change.after) + 1 if change.after is not None else len(priority)
                priority.insert(rank, change.rule.get("id"))
                self._relocate(path + ("priority",), where)  # the ranking now is the reform's doing
        return []

    def _rule(self, change: ReplaceChange | RemoveChange, places: list, where: tuple) -> list[PolicyIssue]:
        target = change.replace if isinstance(change, ReplaceChange) else change.remove
        section, rule_id = target.split(".")
        hits = 0
        for path, program in places:
            rules = program.get(section) or []
            index = next((k for k, rule in enumerate(rules) if isinstance(rule, dict) and rule.get("id") == rule_id),
                         None)
            if index is None:
                continue
            hits += 1
            if isinstance(change, ReplaceChange):
                raw = self.reform.data["changes"][where[1]]["with"]
                for key, value in raw.items():
                    self.put(path + (section, index, key), where + ("with", key), value)
                continue
            del rules[index]
            self._drop(path + (section, index))
            self._shift(path + (section,), index)
            priority = program.get("priority")
            if section == "categories" and priority is not None and rule_id in priority:
                priority.remove(rule_id)
                self._relocate(path + ("priority",), where)
        if not hits:
            known = sorted({f"{section}.{r.get('id')}" for _, program in places for r in (program.get(section) or [])
                            if isinstance(r, dict)})
            return [self.reform.issue(where, "unknown_rule", f"the base has no rule {target!r} here",
                                      f"{did_you_mean(target, known)}name a rule as `<section>.<id>`")]
        return []
