"""Tracers: the recording one keeps each step and condition tree of one evaluation; the
null one keeps nothing. The evaluator reports to whichever it is given."""

from __future__ import annotations

from typing import Any

from ..contract import ConditionTrace, TraceStep, build_model


class NullTracer:
    """Keeps nothing: an untraced evaluation."""

    recording = False

    def step(self, kind: str, rule: str, clause: str | None, label: str, result: bool | None,
             facts: dict[str, Any] | None = None, parameters: list[Any] | None = None,
             condition: dict[str, Any] | None = None) -> None:
        pass


NULL_TRACER = NullTracer()


class RecordingTracer(NullTracer):
    """Records the steps of one evaluation, and the condition tree of the rule being checked
    (``enter``/``leave`` around each node, in the pass that decides)."""

    recording = True

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []
        self.stack: list[list[ConditionTrace]] = [[]]
        self.read: dict[str, Any] = {}

    def step(self, kind: str, rule: str, clause: str | None, label: str, result: bool | None,
             facts: dict[str, Any] | None = None, parameters: list[Any] | None = None,
             condition: ConditionTrace | None = None) -> None:
        # built, not validated: every value here comes from the engine, typed
        self.steps.append(build_model(TraceStep, kind=kind, rule=rule, clause=clause, label=label, result=result,
                                      facts=facts or {}, parameters=parameters or [], condition=condition))

    # -- the condition tree of one rule --------------------------------------------------
    def begin_rule(self) -> None:
        self.stack = [[]]
        self.read = {}

    def end_rule(self) -> ConditionTrace | None:
        roots = self.stack[0]
        return roots[0] if roots else None

    # the open nodes of the rule being checked: each holds its parts so far (the traced
    # evaluator's functions push and pop them, ``engine._walk``)
    stack: list[list[ConditionTrace]]
