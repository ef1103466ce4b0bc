"""Compiling ``when:`` conditions and date expressions from policy data, with located errors.

Every problem is collected as a located issue (file, line, column, hint); identical
conditions compile to one shared object (``Condition.share``).
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any, Callable

from ._calendar import add_months, add_working_days, first_of_next_month
from ._conditions import (_ANCHORS, _STATUS_ATTRIBUTES, _STATUS_SPECIAL, _YEARS, AgeTest, AllOf, AnyOf,
                          CategoryHeldOn, CategoryTest, ChoiceTest, Condition, CoverageTest,
                          CoverageYearTest, DateExpr, DateTest, EnrolledTest, HukouTest,
                          Not, PersonFact, StatusHeld)
from ._errors import PolicyIssue
from ._facts import Facts
from ._request import SCHEMES, STATUS_KINDS
from ._yaml import Located, Path

def _structural_key(raw: Any) -> Any:
    """``raw`` as a hashable value that keeps each scalar's type (a date is not its text)."""
    if isinstance(raw, dict):
        return (dict, tuple(sorted(((str(k), _structural_key(v)) for k, v in raw.items()), key=lambda kv: kv[0])))
    if isinstance(raw, list):
        return (list, tuple(_structural_key(v) for v in raw))
    return (type(raw), raw)


def did_you_mean(word: Any, choices: list[str] | tuple[str, ...] | set[str]) -> str:
    close = difflib.get_close_matches(str(word), sorted(choices), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


class Compiler:
    """Compiles ``when:`` conditions and date expressions of one policy, collecting issues."""

    def __init__(self, located: Located, issues: list[PolicyIssue]):
        self.located, self.issues = located, issues
        self.category_ids: set[str] = set()
        self.category_conditions: dict[str, Condition] = {}
        self._interned: dict[str, Condition] = {}
        self.codes: Any = None

    def error(self, path: Path, code: str, message: str, hint: str | None = None) -> None:
        self.issues.append(self.located.issue(path, code, message, hint))

    # conditions
    _KEYS = ("all", "any", "not", "status", "age", "hukou", "sex", "student", "social_security_card", "category",
             "coverage", "choice", "date", "enrolled")

    def begin_program(self, category_ids: set[str]) -> None:
        """Start compiling a program: its category ids; category tests of another program,
        even when written alike, are other conditions."""
        self.category_ids = category_ids
        self.category_conditions = {}
        self._interned = {}

    def condition(self, raw: Any, path: Path) -> Condition:
        """Compile one condition; identical conditions compile to one shared object."""
        try:
            key = _structural_key(raw)
            hash(key)
        except TypeError:
            return self._condition(raw, path)
        hit = self._interned.get(key)
        if hit is not None:
            # worth a memo lookup only where evaluating costs more than looking up
            if isinstance(hit, (AllOf, AnyOf, Not, StatusHeld)):
                hit.share()
            return hit
        before = len(self.issues)
        compiled = self._condition(raw, path)
        if len(self.issues) == before:  # a faulty condition is compiled (and reported) at each place
            self._interned[key] = compiled
        return compiled

    def _condition(self, raw: Any, path: Path) -> Condition:
        if not isinstance(raw, dict) or len(raw) != 1:
            self.error(path, "bad_condition", "a condition is a mapping with exactly one key",
                       f"use one of: {', '.join(self._KEYS)}")
            return AllOf([])
        (key, body), = raw.items()
        sub = path + (key,)
        if key in ("all", "any"):
            if not isinstance(body, list) or not body:
                self.error(sub, "bad_condition", f"`{key}` takes a non-empty list of conditions")
                return AllOf([])
            parts = [self.condition(item, sub + (i,)) for i, item in enumerate(body)]
            return AllOf(parts) if key == "all" else AnyOf(parts)
        if key == "not":
            return Not(self.condition(body, sub))
        builder = getattr(self, f"_{key}", None)
        if builder is None:
            self.error(path + (key,), "unknown_condition", f"unknown condition {key!r}",
                       f"{did_you_mean(key, self._KEYS)}known: {', '.join(self._KEYS)}")
            return AllOf([])
        return builder(body, sub)

    def _mapping(self, body: Any, path: Path, allowed: set[str], required: set[str] = frozenset()) -> dict | None:
        if not isinstance(body, dict):
            self.error(path, "bad_condition", "expected a mapping", f"keys: {', '.join(sorted(allowed))}")
            return None
        ok = True
        for key in body:
            if key not in allowed:
                self.error(path + (key,), "unknown_key", f"unknown key {key!r}",
                           f"{did_you_mean(key, allowed)}allowed: {', '.join(sorted(allowed))}")
                ok = False
        for key in required - set(body):
            self.error(path, "missing_key", f"missing key {key!r}")
            ok = False
        return body if ok else None

    def _status(self, body: Any, path: Path) -> Condition:
        if isinstance(body, str):
            body = {"kind": body}
        kinds_raw = body.get("kind") if isinstance(body, dict) else None
        kinds = tuple(kinds_raw if isinstance(kinds_raw, list) else [kinds_raw])
        bad = [k for k in kinds if k not in STATUS_KINDS]
        if bad or not kinds:
            self.error(path + ("kind",), "unknown_status_kind", f"unknown status kind {bad[0] if bad else None!r}",
                       f"{did_you_mean(bad[0] if bad else '', STATUS_KINDS)}known: {', '.join(STATUS_KINDS)}")
            return AllOf([])
        attrs = set.union(*[_STATUS_ATTRIBUTES.get(k, set()) for k in kinds])
        if "disability" in kinds:
            attrs.add("certificate_valid")
        body = self._mapping(body, path, attrs | (_STATUS_SPECIAL - {"certificate_valid", "woman_age"}) |
                             ({"certificate_valid"} if "disability" in kinds else set()) |
                             ({"woman_age"} if "family_planning" in kinds else set()))
        if body is None:
            return AllOf([])
        tests = []
        for name, value in body.items():
            if name in _STATUS_SPECIAL:
                continue
            values = value if isinstance(value, list) else [value]
            tests.append((name, frozenset(values)))
        area = body.get("area")
        since_tests = []
        if "since" in body:
            since = self._mapping(body["since"], path + ("since",), {"before", "on_or_before", "after", "on_or_after"})
            for op, expr in (since or {}).items():
                since_tests.append((op, self.date_expr(expr, path + ("since", op))))
        woman_age = None
        if "woman_age" in body:
            bounds = self._mapping(body["woman_age"], path + ("woman_age",), {"at_least", "under"}) or {}
            if not bounds or not all(isinstance(v, int) and not isinstance(v, bool) for v in bounds.values()):
                self.error(path + ("woman_age",), "bad_condition", "woman_age takes `at_least` and/or `under` (years)")
            else:
                woman_age = (bounds.get("at_least"), bounds.get("under"))
        held = StatusHeld(kinds, tests, frozenset(area if isinstance(area, list) else [area]) if area else None,
                          body.get("certificate_valid"), since_tests,
                          self.date_expr(body["held_on"], path + ("held_on",)) if "held_on" in body else None,
                          woman_age)
        return held

    def _age(self, body: Any, path: Path) -> Condition:
        body = self._mapping(body, path, {"at_least", "under", "at"})
        if body is None:
            return AllOf([])
        if "at_least" not in body and "under" not in body:
            self.error(path, "bad_condition", "age needs `at_least` or `under`")
        at = self.date_expr(body.get("at", "status_date"), path + ("at",))
        return AgeTest(body.get("at_least"), body.get("under"), at)

    def _hukou(self, body: Any, path: Path) -> Condition:
        body = self._mapping(body, path, {"region", "kind"})
        if body is None:
            return AllOf([])
        region = body.get("region")
        regions = tuple(str(r) for r in (region if isinstance(region, list) else [region])) if region else None
        if regions and not all(r.isdigit() and 2 <= len(r) <= 6 for r in regions):
            self.error(path + ("region",), "bad_region", "a region is a GB/T 2260 code prefix of 2 to 6 digits",
                       "quote it: region: \"4405\"")
        kind = body.get("kind")
        if kind not in (None, "rural", "urban"):
            self.error(path + ("kind",), "bad_value", f"hukou kind {kind!r} is not rural or urban")
        return HukouTest(regions, kind)

    def _sex(self, body: Any, path: Path) -> Condition:
        if body not in ("female", "male"):
            self.error(path, "bad_value", f"sex {body!r} is not female or male")
        return PersonFact("sex", body)

    def _student(self, body: Any, path: Path) -> Condition:
        return self._yes_no("student", body, path)

    def _social_security_card(self, body: Any, path: Path) -> Condition:
        return self._yes_no("social_security_card", body, path)

    def _yes_no(self, name: str, body: Any, path: Path) -> Condition:
        if not isinstance(body, bool):
            self.error(path, "bad_value", f"{name} takes true or false")
        return PersonFact(name, bool(body))

    def _category(self, body: Any, path: Path) -> Condition:
        on = None
        if isinstance(body, dict):  # category: {id: [...], held_on: <date>}
            body = self._mapping(body, path, {"id", "held_on"}, {"held_on"})
            if body is None:
                return AllOf([])
            on = self.date_expr(body["held_on"], path + ("held_on",))
            body = body.get("id", [])
        ids = tuple(body if isinstance(body, list) else [body])
        for cid in ids:
            if cid not in self.category_ids:
                self.error(path, "unknown_category", f"unknown category {cid!r}",
                           f"{did_you_mean(cid, self.category_ids)}categories: {', '.join(sorted(self.category_ids))}")
        if on is not None:
            if "categories" in path or "preconditions" in path:
                self.error(path, "bad_condition", "`category: {held_on: …}` reads the categories, so it cannot "
                           "stand in a category or a precondition", "use it in exclusions and outputs")
                return AllOf([])
            return CategoryHeldOn(ids, on, self.category_conditions)
        return CategoryTest(ids)

    def _coverage(self, body: Any, path: Path) -> Condition:
        if isinstance(body, dict):  # coverage: {year: 2014} or {year: [2014, 2015]}
            body = self._mapping(body, path, {"year"}, {"year"})
            raw = (body or {}).get("year")
            years = raw if isinstance(raw, list) else [raw]
            if body is not None and (not years or not all(isinstance(y, int) and not isinstance(y, bool)
                                                          and 1990 <= y <= 2100 for y in years)):
                self.error(path + ("year",), "bad_value", f"coverage year {raw!r} is not a year or a list of years",
                           "write the insurance year as an integer: {year: 2014}")
                years = []
            return CoverageYearTest(frozenset(years))
        if body not in ("full_year", "mid_year"):
            self.error(path, "bad_value", f"coverage {body!r} is not full_year or mid_year")
        return CoverageTest(body)

    def _choice(self, body: Any, path: Path) -> Condition:
        body = self._mapping(body, path, {"tier", "pension_grade"})
        if body is None or len(body) != 1:
            return AllOf([])
        (name, spec), = body.items()
        if isinstance(spec, dict):
            spec = self._mapping(spec, path + (name,), {"at_least", "at_most"}) or {}
            return ChoiceTest(name, None, _decimal(spec.get("at_least")), _decimal(spec.get("at_most")))
        values = spec if isinstance(spec, list) else [spec]
        return ChoiceTest(name, frozenset(_decimal(v) if name == "pension_grade" else v for v in values), None, None)

    def _date(self, body: Any, path: Path) -> Condition:
        body = self._mapping(body, path, {"before", "on_or_before", "after", "on_or_after", "of"})
        of = "as_of"
        if body is not None and "of" in body:
            body = dict(body)
            of = body.pop("of")
            if of not in ("as_of", "status_date"):
                self.error(path + ("of",), "bad_value", f"date of {of!r} is not as_of or status_date",
                           "compare the application date (as_of) or the status date (status_date)")
                of = "as_of"
        if body is None or len(body) != 1:
            self.error(path, "bad_condition", "date takes exactly one comparison")
            return AllOf([])
        (op, raw), = body.items()
        bound_time = None
        if isinstance(raw, str) and "T" in raw:
            try:  # YAML reads 2018-02-22T17:00 (no seconds) as text
                raw = dt.datetime.fromisoformat(raw)
            except ValueError:
                pass
        if isinstance(raw, dt.datetime):
            raw, bound_time = raw.date(), raw.time()
            if of != "as_of":
                self.error(path + (op,), "bad_value", "a date-time bound compares the application time (as_of) only")
        return DateTest(op, self.date_expr(raw, path + (op,)), bound_time, of)

    def _enrolled(self, body: Any, path: Path) -> Condition:
        body = self._mapping(body, path, {"scheme", "on", "ended_within_months", "year", "paid_by", "region"},
                             {"scheme"})
        if body is None:
            return AllOf([])
        scheme = body["scheme"]
        if scheme not in SCHEMES:
            self.error(path + ("scheme",), "bad_value", f"unknown scheme {scheme!r}",
                       f"{did_you_mean(scheme, SCHEMES)}known: {', '.join(SCHEMES)}")
        on = self.date_expr(body["on"], path + ("on",)) if "on" in body else None
        if scheme != "resident_medical" and on is None:
            self.error(path, "missing_key", f"{scheme} needs `on:` (a date expression)")
        year = body.get("year")
        if year not in (None, "coverage_year"):
            self.error(path + ("year",), "bad_value", "year takes `coverage_year`")
        region = body.get("region")
        return EnrolledTest(scheme, on, body.get("ended_within_months"), year, body.get("paid_by"),
                            tuple(str(r) for r in (region if isinstance(region, list) else [region])) if region else None)

    # date expressions
    def date_expr(self, raw: Any, path: Path) -> DateExpr:
        if isinstance(raw, dt.datetime):
            raw = raw.date()
        if isinstance(raw, dt.date):
            fixed = raw
            return DateExpr(fixed.isoformat(), lambda f: fixed, [])
        if isinstance(raw, str):
            if raw not in _ANCHORS:
                self.error(path, "unknown_anchor", f"unknown date {raw!r}",
                           f"{did_you_mean(raw, _ANCHORS)}use a date (YYYY-MM-DD) or one of: {', '.join(_ANCHORS)}")
                return DateExpr(raw, lambda f: None, [])
            return DateExpr(raw, _ANCHORS[raw], [])
        allowed = {"from", "month_day", "year", "years_later", "add_days", "add_working_days",
                   "add_months", "next_month_start", "month_end"}
        body = self._mapping(raw, path, allowed)
        if body is None:
            return DateExpr("?", lambda f: None, [])
        text: list[str] = []
        if "month_day" in body:
            month_day, year_key = str(body["month_day"]), body.get("year", "as_of_year")
            later = int(body.get("years_later", 0))
            try:
                month, day = (int(x) for x in month_day.split("-"))
                dt.date(2000, month, day)
            except ValueError:
                self.error(path + ("month_day",), "bad_value", f"month_day {month_day!r} is not MM-DD")
                month, day = 1, 1
            if year_key not in _YEARS:
                self.error(path + ("year",), "bad_value", f"year {year_key!r} is not one of {', '.join(_YEARS)}")
                year_key = "as_of_year"
            year_of = _YEARS[year_key]
            base: Callable[[Facts], dt.date | None] = lambda f: dt.date(year_of(f) + later, month, day)
            text.append(f"{month_day} of {year_key}" + (f"+{later}" if later else ""))
        else:
            anchor = self.date_expr(body.get("from", "as_of"), path + ("from",))
            base, text = anchor.resolve, [anchor.text]
        steps: list[Callable[[dt.date], dt.date]] = []
        if "add_days" in body:
            n = int(body["add_days"])
            steps.append(lambda d: d + dt.timedelta(days=n))
            text.append(f"+ {n} days")
        if "add_working_days" in body:
            n = int(body["add_working_days"])
            steps.append(lambda d: add_working_days(d, n))
            text.append(f"+ {n} working days")
        if "add_months" in body:
            n = int(body["add_months"])
            steps.append(lambda d: add_months(d, n))
            text.append(f"+ {n} months")
        if body.get("next_month_start"):
            steps.append(first_of_next_month)
            text.append("-> first day of next month")
        if body.get("month_end"):
            steps.append(lambda d: first_of_next_month(d) - dt.timedelta(days=1))
            text.append("-> end of month")
        return DateExpr(" ".join(text), base, steps)


def _decimal(value: Any) -> Any:
    from decimal import Decimal

    return None if value is None else Decimal(str(value))
