"""The library's exceptions: one base, two kinds of user mistake, each carrying data."""

from __future__ import annotations

from dataclasses import dataclass


class EligibilityError(Exception):
    """Base of every error this library raises on purpose."""


def location(file: str, line: int | None, column: int | None) -> str:
    """``policies/shantou.yaml:41:7``: a place in a file, as far as it is known."""
    where = file
    if line is not None:
        where += f":{line}"
        if column is not None:
            where += f":{column}"
    return where


@dataclass(frozen=True)
class PolicyIssue:
    """One problem in a policy file, located to the character."""

    code: str
    message: str
    file: str
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{location(self.file, self.line, self.column)}: {self.message} [{self.code}]"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class PolicyError(EligibilityError):
    """A policy file is invalid. ``issues`` lists every problem found, each located.

    ``file``, ``line`` and ``column`` are those of the first issue.
    """

    def __init__(self, issues: list[PolicyIssue]):
        if not issues:
            raise ValueError("PolicyError needs at least one issue")
        self.issues = tuple(issues)
        first = self.issues[0]
        self.file, self.line, self.column = first.file, first.line, first.column
        super().__init__("\n".join(str(issue) for issue in self.issues))


@dataclass(frozen=True)
class FieldIssue:
    """One bad field of a request: its path (``person.statuses[0].kind``) and what was expected.

    Never holds the rejected value of an identifying field.
    """

    path: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '<request>'}: {self.message} [{self.code}]"


class RequestError(EligibilityError):
    """A request is invalid. ``issues`` lists every bad field by path, in one error."""

    def __init__(self, issues: list[FieldIssue]):
        if not issues:
            raise ValueError("RequestError needs at least one issue")
        self.issues = tuple(issues)
        lines = [f"invalid request ({len(self.issues)} problem{'s' if len(self.issues) > 1 else ''}):"]
        lines += [f"  {issue}" for issue in self.issues]
        super().__init__("\n".join(lines))


class CalendarError(EligibilityError):
    """A working-day date falls outside the years the official calendar covers.

    Raised from an evaluation, it names the rule and clause whose date it is (``rule``,
    ``clause``); ``reason`` is the calendar's message alone.
    """

    def __init__(self, reason: str, *, rule: str | None = None, clause: str | None = None):
        where = f"{rule} [{clause}]: " if rule is not None else ""
        super().__init__(where + reason)
        self.reason, self.rule, self.clause = reason, rule, clause
