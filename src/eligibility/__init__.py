"""Who gets the government to pay their resident medical-insurance contribution, and on what terms.

The public face::

    from eligibility import evaluate, load_policies
    decision = evaluate({"city": "shantou", "as_of": "2021-09-20", "person": {...}})

Everything not listed in ``__all__`` is private and may change. The subpackages are the
architecture: ``contract`` (request, decision, schemas), ``language`` (policy files,
condition kinds, the compiler and the IR it produces), ``engine`` (the evaluators),
``testing`` (YAML cases, the pytest plugin, Hypothesis strategies).
"""

from __future__ import annotations

from ._api import (RecordError, bundled_policies, evaluate, evaluate_many, explain, load_policies, load_policy,
                   loads_policy, validate)
from .contract import (DECISION_SCHEMA_VERSION, AppliedDefault, CategoryRef, Change, ConditionTrace, Counterfactual,
                       Deadline, Decision, Explanation, OpenPart, ParameterUse, PolicyRef, Question, Reason, Request,
                       Subsidy, Tier, TierBenefit, TraceStep, WhatIf, parse_request)
from .codes import labels
from .errors import CalendarError, EligibilityError, FieldIssue, PolicyError, PolicyIssue, RequestError
from .language import Policy, PolicySet
from .render import render_json, render_text

__all__ = [
    "AppliedDefault", "Change", "Counterfactual", "Explanation", "OpenPart", "Question", "WhatIf", "explain",
    "CalendarError", "CategoryRef", "ConditionTrace", "DECISION_SCHEMA_VERSION", "Deadline", "Decision",
    "EligibilityError", "FieldIssue", "ParameterUse", "Policy", "PolicyError", "PolicyIssue", "PolicyRef",
    "PolicySet", "Reason", "RecordError", "Request", "RequestError", "Subsidy", "Tier", "TierBenefit", "TraceStep",
    "bundled_policies", "evaluate", "evaluate_many", "labels", "load_policies", "load_policy", "loads_policy",
    "parse_request",
    "render_json", "render_text", "validate",
]

__version__ = "0.2.0"
