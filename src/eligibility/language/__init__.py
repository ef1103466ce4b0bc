"""The policy language: file models, condition kinds, the compiler, and the IR it produces.

A policy compiles to inert, frozen data (``Policy`` → ``Version`` → ``Program`` → ``Rule``
with condition nodes and ``DateExpr`` values); evaluators are walks over it.
"""

from ..contract import CodeLabel
from ._compiler import compile_policy_text
from ._dates import date_function, date_sentence, day_words
from ._ir import (ANCHORS, NOWHERE, PLURAL, RULE_KINDS, BenefitSpec, DatedValue, DateExpr, DeadlineSpec,
                  Document, FactDefault, MonthDay, Node,
                  Offset, OutputRule, ParameterDef, ParameterRef, Position, Program, Rule, RuleId, RuleKind, Version,
                  parameter_refs, with_thresholds)
from ._load import bundled_policy_dir, load_policy_dir, load_policy_file, load_policy_files
from ._policy import CODE_SECTIONS, Policy, PolicySet
from .issues import did_you_mean

__all__ = [
    "ANCHORS", "BenefitSpec", "CODE_SECTIONS", "CodeLabel", "DateExpr", "DatedValue", "DeadlineSpec", "Document",
    "FactDefault", "MonthDay", "NOWHERE", "Node", "Offset",
    "OutputRule", "PLURAL", "ParameterDef", "ParameterRef", "Policy", "PolicySet", "Position", "Program", "RULE_KINDS", "Rule",
    "RuleId", "RuleKind", "Version", "bundled_policy_dir", "compile_policy_text", "date_function", "date_sentence",
    "day_words", "did_you_mean",
    "load_policy_dir", "load_policy_file", "load_policy_files", "parameter_refs", "with_thresholds",
]
