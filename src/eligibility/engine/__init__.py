"""Evaluators over the compiled policy: the scalar evaluator for one request, its tracer,
the outcome precedence, and the outputs."""

from ._counterfactuals import apply_changes, counterfactuals
from ._outcome import Verdict, judge
from ._outputs import ParameterValue, money, parameter_value
from ._questions import summary, what_if
from ._reasons import failing_test
from ._run import compiled, evaluate_policy, prepare
from ._tracer import NULL_TRACER, NullTracer, RecordingTracer
from ._walk import ProgramBuild

__all__ = ["NULL_TRACER", "NullTracer", "ParameterValue", "ProgramBuild", "RecordingTracer", "Verdict", "apply_changes",
           "compiled", "counterfactuals", "evaluate_policy", "failing_test", "judge", "money",
           "parameter_value", "prepare", "summary", "what_if"]
