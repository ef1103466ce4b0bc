"""The impact of a reform over a population: who changes, how, what it costs, and which rule did it.

Every person is decided under the base and under the reform (untraced: fast); a person whose
decisions differ is decided again with traces, and the two traces are compared rule by rule:
the procedure's steps first (version, coverage, preconditions, categories, exclusions), whose
change of result is what moved an outcome; when the outcome stays, the outputs whose result
changed, the deadlines whose date moved (by the rule that set them) and the subsidy whose
amount changed (by the parameter whose value did). That is the attribution, with clauses.
A reform that changes outputs alone (and parameters only outputs read) is not evaluated for a
person whose base decision no output reaches (not eligible, no policy, enrolment closed): it
would decide the same; one that changes no condition is attributed without traces
(``attribution.quick_attribute``), the examples aside.

``impact(base, reform, requests)`` returns an :class:`Impact`, plain data; ``format_impact``
writes it as text, ``Impact.to_dict`` as JSON, ``eligibility.impact_html`` as a page.
IDs and names never appear: a person is their line number in the population file.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator

from ._api import evaluate
from .analysis import diff
from . import impact_screen
from .attribution import Attribution, attribute, quick_attribute
from .contract import Decision, parse_request
from .engine import summary
from .errors import RequestError
from .language import Policy, parameter_refs
from .language.kinds import walk

EXAMPLES = 3          # example persons per transition
# the bins of the per-person change of subsidy (yuan), for the distribution
BINS = (Decimal("-1000"), Decimal("-300"), Decimal("-100"), Decimal("-0.005"), Decimal("0.005"), Decimal("100"),
        Decimal("300"), Decimal("1000"))


@dataclass(frozen=True)
class Example:
    person: str                 # ``#17``: the line of the population file, never an ID
    transition: str
    attribution: list[Attribution]
    trace_before: list[tuple[str, str | None, Any]]    # (rule, clause, result) per step
    trace_after: list[tuple[str, str | None, Any]]


@dataclass
class Impact:
    """What a reform changes over a population (counts, money as decimal strings)."""

    base: dict[str, str]
    reform: dict[str, str]
    people: int = 0
    refused: int = 0                                   # requests either policy refuses (invalid, other city)
    changed: int = 0
    transitions: dict[str, int] = field(default_factory=dict)     # "eligible -> not_eligible": count
    subsidy: dict[str, Any] = field(default_factory=dict)
    by_funding_source: dict[str, dict[str, str]] = field(default_factory=dict)
    distribution: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, dict[str, int]] = field(default_factory=dict)  # flags / deadlines / tier_benefits / benefit_dates
    attribution: list[dict[str, Any]] = field(default_factory=list)  # totals per rule
    per_category: dict[str, dict[str, int]] = field(default_factory=dict)  # primary category: before, after
    examples: list[Example] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)   # rule (``categories.dibao``) -> its English label

    def shares(self) -> dict[str, float]:
        return {key: count / self.people for key, count in self.transitions.items()} if self.people else {}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["transition_shares"] = {key: round(share, 6) for key, share in self.shares().items()}
        data["synthetic_note"] = "counts are of the population given; a synthetic population says nothing of a real one"
        return data


def _money(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


class _Tally:
    """The counts of one run over part of a population; tallies of parts merge."""

    def __init__(self) -> None:
        self.people = self.refused = self.changed = 0
        self.transitions: Counter[str] = Counter()
        self.totals = {"before": Decimal(0), "after": Decimal(0)}
        self.unknown: Counter[str] = Counter()
        self.sources: dict[str, dict[str, Decimal]] = {}
        self.deltas: list[Decimal] = []
        self.codes: dict[str, Counter[str]] = {name: Counter() for name in CODE_GROUPS}
        self.per_rule: Counter[tuple[str, str | None, str]] = Counter()
        self.categories: dict[str, Counter[str]] = {}
        self.examples: dict[str, list[Example]] = {}

    def merge(self, other: "_Tally") -> None:
        self.people += other.people
        self.refused += other.refused
        self.changed += other.changed
        self.transitions.update(other.transitions)
        for side in self.totals:
            self.totals[side] += other.totals[side]
        self.unknown.update(other.unknown)
        for name, sides in other.sources.items():
            mine = self.sources.setdefault(name, {"before": Decimal(0), "after": Decimal(0)})
            for side in sides:
                mine[side] += sides[side]
        self.deltas += other.deltas
        for name, counter in other.codes.items():
            self.codes[name].update(counter)
        self.per_rule.update(other.per_rule)
        for name, counter in other.categories.items():
            self.categories.setdefault(name, Counter()).update(counter)
        for key, found in other.examples.items():
            mine_examples = self.examples.setdefault(key, [])
            mine_examples += found[:EXAMPLES - len(mine_examples)]

    def add_same(self, found: dict[str, Any]) -> None:
        """The people the columnar screen found deciding the same under both policies."""
        self.people += found["people"]
        self.transitions.update(found["transitions"])
        for category, eligible in found["categories"].items():
            counter = self.categories.setdefault(category, Counter())
            counter["before"] += eligible
            counter["after"] += eligible
        for side in self.totals:
            self.totals[side] += found["totals"]
            self.unknown[side] += found["unknown"]
        for name, paid in found["sources"].items():
            source = self.sources.setdefault(name, {"before": Decimal(0), "after": Decimal(0)})
            for side in source:
                source[side] += paid

    def add_chunk(self, chunk: list[tuple[int, Any]], base: Policy, reform: Policy, scope: "_Scope") -> None:
        """A chunk of the population: screened columnar when the ``batch`` extra is installed
        (``impact_screen``), the people who may change compared one by one."""
        if impact_screen.available() and len(chunk) > 1:
            same, found = impact_screen.screen([raw for _, raw in chunk], base, reform)
            self.add_same(found)
            chunk = [item for item, unchanged in zip(chunk, same) if not unchanged]
        for line, raw in chunk:
            self.add(line, raw, base, reform, scope)

    def add(self, line: int, raw: Any, base: Policy, reform: Policy, scope: "_Scope") -> None:
        try:
            data = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:   # a line that is not JSON is refused like an invalid request
            self.refused += 1
            return
        try:
            request = parse_request(data)
            before = evaluate(request, base, trace=False)
            # a reform of outputs alone cannot change a decision that no output reaches
            after = before if scope.outputs_only and before.outcome in _NO_OUTPUTS else \
                evaluate(request, reform, trace=False)
        except RequestError:
            self.refused += 1
            return
        self.people += 1
        key = f"{before.outcome} -> {after.outcome}"
        self.transitions[key] += 1
        self.categories.setdefault(before.primary_category or "(none)", Counter())["before"] += \
            before.outcome == "eligible"
        self.categories.setdefault(after.primary_category or "(none)", Counter())["after"] += \
            after.outcome == "eligible"
        amounts = []
        for side, decision in (("before", before), ("after", after)):
            amount = _money(decision.subsidy.amount) if decision.subsidy is not None else None
            amounts.append(amount)
            if decision.outcome == "eligible" and amount is None:
                self.unknown[side] += 1
            if amount is not None:
                self.totals[side] += amount
                source = self.sources.setdefault(decision.subsidy.funding_source or "(none)",  # type: ignore[union-attr]
                                                 {"before": Decimal(0), "after": Decimal(0)})
                source[side] += amount
        if summary(before, exact=True) == summary(after, exact=True):
            return
        self.changed += 1
        if amounts[0] is not None or amounts[1] is not None:
            self.deltas.append((amounts[1] or Decimal(0)) - (amounts[0] or Decimal(0)))
        _count_codes(before, after, self.codes)
        examples = self.examples.setdefault(key, [])
        found = None
        if scope.same_results and len(examples) >= EXAMPLES:   # no trace needed: no rule's result can differ
            version = reform.version(after.policy.version) if after.policy is not None else None
            found = quick_attribute(before, after, version.program(after.program) if version else None,
                                    scope.redefined)
        if found is None:
            traced = evaluate(request, base, trace=True), evaluate(request, reform, trace=True)
            found = attribute(*traced, scope.redefined)
            if len(examples) < EXAMPLES:
                examples.append(Example(f"#{line}", key, found, _projection(traced[0]), _projection(traced[1])))
        for entry in found:
            self.per_rule[(entry.rule, entry.clause, entry.change)] += 1


CODE_GROUPS = ("flags", "deadlines", "tier_benefits", "benefit_dates")
_NO_OUTPUTS = frozenset({"not_eligible", "no_policy_in_force", "enrollment_closed"})  # outcomes decided before outputs
CHUNK = 20_000        # requests per task (decided as columns, then those that may change one by one)
_WORK: dict[str, Any] = {}   # what a forked worker is given: the two policies and the reform's scope


def _run_chunk(chunk: list[tuple[int, Any]]) -> _Tally:
    tally = _Tally()
    tally.add_chunk(chunk, _WORK["base"], _WORK["reform"], _WORK["scope"])
    return tally


def _chunks(requests: Iterable[tuple[int, Any]]) -> Iterator[list[tuple[int, Any]]]:
    chunk: list[tuple[int, Any]] = []
    for item in requests:
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def impact(base: Policy, reform: Policy, requests: Iterable[tuple[int, Any]], *,
           progress: Callable[[int], None] | None = None, workers: int = 1,
           trace_every_change: bool = False) -> Impact:
    """Decide every request under ``base`` and ``reform`` and compare (``requests``: (line, request)
    pairs). ``workers`` > 1 decides chunks in that many processes (forked: POSIX only). A reform
    that changes no condition is attributed without traces (no rule's result can differ) but for
    the examples; ``trace_every_change`` decides every changed person again with traces anyway."""
    scope = _scope(base, reform)
    if trace_every_change:
        scope = _Scope(scope.redefined, scope.outputs_only, False)
    tally = _Tally()
    done = 0
    if workers > 1:
        import multiprocessing

        _WORK.update(base=base, reform=reform, scope=scope)
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for part in pool.imap(_run_chunk, _chunks(requests)):
                tally.merge(part)
                done += part.people + part.refused
                if progress is not None:
                    progress(done)
    else:
        for chunk in _chunks(requests):
            tally.add_chunk(chunk, base, reform, scope)
            done += len(chunk)
            if progress is not None:
                progress(done)
    return _report(base, reform, tally)


def _report(base: Policy, reform: Policy, tally: _Tally) -> Impact:
    report = Impact(base=_name(base), reform=_name(reform), people=tally.people, refused=tally.refused,
                    changed=tally.changed)
    report.transitions = dict(sorted(tally.transitions.items(), key=lambda kv: (-kv[1], kv[0])))
    totals = tally.totals
    report.subsidy = {"before": str(totals["before"]), "after": str(totals["after"]),
                      "change": str(totals["after"] - totals["before"]),
                      "eligible_amount_unknown_before": tally.unknown["before"],
                      "eligible_amount_unknown_after": tally.unknown["after"]}
    report.by_funding_source = {name: {"before": str(v["before"]), "after": str(v["after"]),
                                       "change": str(v["after"] - v["before"])}
                                for name, v in sorted(tally.sources.items())}
    report.distribution = _distribution(tally.deltas, tally.people)
    report.codes = {name: dict(sorted(counter.items())) for name, counter in tally.codes.items()}
    report.attribution = [{"rule": rule, "clause": clause, "change": kind, "people": people}
                          for (rule, clause, kind), people in sorted(tally.per_rule.items(),
                                                                      key=lambda kv: (-kv[1], kv[0][0]))]
    report.per_category = {name: {"before": c["before"], "after": c["after"]}
                           for name, c in sorted(tally.categories.items()) if c["before"] or c["after"]}
    report.examples = [example for key in report.transitions for example in tally.examples.get(key, [])]
    report.labels = {rule.name.path: rule.label_en for policy in (base, reform) for _, program in policy.places()
                     for rule in program.rules()}
    return report


def _name(policy: Policy) -> dict[str, str]:
    return {"id": policy.id, "content_hash": policy.content_hash, "file": policy.file}


@dataclass(frozen=True)
class _Scope:
    """What a reform can change: the rules it redefines (and those reading a parameter it
    changed), whether they are all outputs, and whether every rule keeps its result."""

    redefined: frozenset[str]
    outputs_only: bool
    same_results: bool


def _scope(base: Policy, reform: Policy) -> _Scope:
    found = diff(base, reform)
    names = {change.rule for program in found.programs for change in program.rules}
    readers = set()
    for program in found.programs:
        for parameter in program.parameters:
            names.add(f"parameters.{parameter.parameter}")
            readers.update(rule for rule, _ in parameter.used_by)
    names |= readers
    untouched = not (found.versions_added or found.versions_removed) and \
        all(program.priority is None for program in found.programs)
    outputs_only = untouched and all(name.startswith(("outputs.", "parameters.")) for name in names)
    # no condition changed, added or removed, no threshold moved: every rule gives the same result
    same_results = outputs_only and not (readers & _threshold_readers(base, reform)) and all(
        change.change == "changed" and "condition" not in change.fields
        for program in found.programs for change in program.rules)
    return _Scope(frozenset(names), outputs_only, same_results)


def _threshold_readers(base: Policy, reform: Policy) -> frozenset[str]:
    """The rules of either policy whose condition reads a threshold parameter."""
    return frozenset(rule.name.path for policy in (base, reform) for _, program in policy.places()
                     for rule in program.rules() if rule.condition is not None
                     and any(parameter_refs(node) for node in walk(rule.condition)))


def _distribution(deltas: list[Decimal], people: int) -> dict[str, Any]:
    winners = sum(1 for d in deltas if d > 0)
    losers = sum(1 for d in deltas if d < 0)
    edges = [None, *BINS, None]
    bins = []
    moved = [d for d in deltas if d != 0]
    for low, high in zip(edges, edges[1:]):
        n = sum(1 for d in moved if (low is None or d >= low) and (high is None or d < high))
        if low is not None and high is not None and low < 0 < high:
            n = people - winners - losers    # everyone whose amount did not change
        bins.append({"from": str(low) if low is not None else None, "to": str(high) if high is not None else None,
                     "people": n})
    return {"winners": winners, "losers": losers, "unchanged": people - winners - losers,
            "gained": str(sum((d for d in deltas if d > 0), Decimal(0))),
            "lost": str(sum((d for d in deltas if d < 0), Decimal(0))), "bins": bins}


def _count_codes(before: Decision, after: Decision, codes: dict[str, Counter[str]]) -> None:
    for flag in set(after.flags) - set(before.flags):
        codes["flags"][f"+{flag}"] += 1
    for flag in set(before.flags) - set(after.flags):
        codes["flags"][f"-{flag}"] += 1
    was = {d.action: d.due for d in before.deadlines}
    now = {d.action: d.due for d in after.deadlines}
    for action in was.keys() | now.keys():
        if was.get(action) != now.get(action):
            kind = "moved" if action in was and action in now else "added" if action in now else "removed"
            codes["deadlines"][f"{action} {kind}"] += 1
    benefits = [{(b.item, b.value) for b in d.tier.benefits} if d.tier else set() for d in (before, after)]
    for item, _ in benefits[1] - benefits[0]:
        codes["tier_benefits"][f"+{item}"] += 1
    for item, _ in benefits[0] - benefits[1]:
        codes["tier_benefits"][f"-{item}"] += 1
    if before.benefit_start != after.benefit_start:
        codes["benefit_dates"]["benefit_start"] += 1
    if before.benefit_end != after.benefit_end:
        codes["benefit_dates"]["benefit_end"] += 1


def _projection(decision: Decision) -> list[tuple[str, str | None, Any]]:
    return [(step.path, step.clause, step.result) for step in decision.trace]
