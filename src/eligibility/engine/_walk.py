"""The scalar evaluator's compiled form of a program: every condition and date of the IR
turned into a function once (per program, traced or not), then called per request.

Untraced, a condition used at several places is evaluated once per phase (memo). Traced,
every node is wrapped so that it reports to the evaluation's tracer what it tested, what it
read and what it answered, in the same pass that decides.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from ..contract import ConditionTrace
from ..language import DateExpr, Node, Program, date_function, parameter_refs, with_thresholds
from ..language.kinds import Facts, Result, children, kind_of, trace_text

Evaluator = Callable[[Facts], Result]


class ProgramBuild:
    """Functions for the conditions and dates of one program (the ``Builder`` kinds see)."""

    def __init__(self, program: Program, traced: bool, untraced: "ProgramBuild | None" = None):
        self.program, self.traced = program, traced
        self._untraced = untraced
        self._functions: dict[int, Evaluator] = {}
        self._dates: dict[int, Callable[[Facts], dt.date | None]] = {}  # by id: the IR keeps every date alive
        self._categories = {rule.id: rule.condition for rule in program.categories}
        self._category_ids = tuple(rule.id for rule in program.categories)
        self._shared = _shared_nodes(program)

    # -- the Builder protocol -----------------------------------------------------------------
    @property
    def category_ids(self) -> tuple[str, ...]:
        return self._category_ids

    def category(self, category_id: str) -> Node | None:
        return self._categories.get(category_id)

    def untraced(self, node: Node | None) -> Evaluator:
        if node is None:
            return _always
        return (self._untraced or self).condition(node)

    def date(self, expr: DateExpr) -> Callable[[Facts], dt.date | None]:
        function = self._dates.get(id(expr))
        if function is None:
            function = self._dates[id(expr)] = date_function(expr)
        return function

    def condition(self, node: Node) -> Evaluator:
        function = self._functions.get(id(node))
        if function is None:
            kind = kind_of(node)
            function = kind.evaluator(node, self)
            if self.traced:
                function = _reporting(node, function, self)
                if id(node) in self._shared:
                    function = _memoised_traced(-id(node), function)  # its own key: a traced entry holds its trace
            elif id(node) in self._shared:
                function = _memoised(id(node), function)
            self._functions[id(node)] = function
        return function

    def is_shared(self, node: Node) -> bool:
        """Whether ``node`` stands at several places of the program (and so is memoised)."""
        return id(node) in self._shared

    def rule(self, node: Node | None) -> Evaluator:
        """A rule's condition; a rule without one always applies."""
        return _always if node is None else self.condition(node)


_TRUE: Result = (True, (), None)


def _always(facts: Facts) -> Result:
    return _TRUE


def _memoised(key: int, evaluate: Evaluator) -> Evaluator:
    def memoised(facts: Facts) -> Result:
        memo = facts.memo
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = evaluate(facts)
        return hit
    return memoised


def _reporting(node: Node, evaluate: Evaluator, build: ProgramBuild) -> Evaluator:
    """``evaluate`` reporting to the evaluation's tracer: the node's test, result, the facts a
    test read, and its parts (the tracer's stack of open nodes, kept here inline: this runs for
    every node of a traced evaluation)."""
    kind = kind_of(node)
    fixed, observed = trace_text(node), kind.observed
    composite = bool(kind.children(node))
    by_year: dict[int, str] | None = {} if parameter_refs(node) else None  # a threshold's value names the test

    def reporting(facts: Facts) -> Result:
        tracer = facts.tracer
        stack = tracer.stack
        stack.append([])
        result = evaluate(facts)
        if by_year is not None:
            year = facts.coverage_year
            if year not in by_year:
                by_year[year] = trace_text(with_thresholds(node, build.program, year))
            test = by_year[year]
        else:
            test = fixed
        parts = stack.pop()
        if composite:
            read: dict = {}
        else:
            read = observed(node, facts, build)
            tracer.read.update(read)
        stack[-1].append(ConditionTrace(test, result[0], read, list(result[1]) if result[0] is None else [],
                                        parts))
        return result
    return reporting


def _memoised_traced(key: int, reporting: Evaluator) -> Evaluator:
    """A shared node, traced: evaluated once per phase; another place it stands shows the same
    part of the trace (same facts, same phase: the same tree)."""
    def memoised(facts: Facts) -> Result:
        memo, tracer = facts.memo, facts.tracer
        hit = memo.get(key)
        if hit is None:
            result = reporting(facts)
            memo[key] = (result, tracer.stack[-1][-1])
            return result
        result, trace = hit
        tracer.stack[-1].append(trace)
        _add_reads(trace, tracer.read)
        return result
    return memoised


def _add_reads(trace: ConditionTrace, read: dict) -> None:
    if trace.parts:
        for part in trace.parts:
            _add_reads(part, read)
    else:
        read.update(trace.read)


def _shared_nodes(program: Program) -> frozenset[int]:
    """Nodes that stand at more than one place of the program: evaluated once per phase."""
    seen: dict[int, int] = {}

    def visit(node: Node) -> None:
        seen[id(node)] = seen.get(id(node), 0) + 1
        if seen[id(node)] == 1:
            for child in children(node):
                visit(child)

    for rule in program.rules():
        if rule.condition is not None:
            visit(rule.condition)
    return frozenset(key for key, count in seen.items() if count > 1)
