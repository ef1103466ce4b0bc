"""Condition kinds: one module each (its spec, node, evaluation, reads, description and
planning), listed in ``registry``."""

from ._base import FALSE, TRUE, UNKNOWN, Builder, CompileContext, ConditionKind, Facts, Plan, Result, Spec, Tri
from .registry import (BY_KEY, BY_NODE, KEYS, KINDS, children, describe, kind_of, sentence, tests_by_trace_text,
                       trace_text, walk)

__all__ = ["BY_KEY", "BY_NODE", "Builder", "CompileContext", "ConditionKind", "FALSE", "Facts", "KEYS", "KINDS",
           "Plan", "Result", "Spec", "TRUE", "Tri", "UNKNOWN", "children", "describe", "kind_of", "sentence",
           "tests_by_trace_text", "trace_text", "walk"]
