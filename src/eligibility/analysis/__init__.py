"""Static analyses over the compiled policy: walks that read the IR without a request.

``reads`` answers which request facts a condition or rule depends on; ``lint`` finds what a
policy leaves silent (conflicting outputs, rules that never apply, categories listed by hand);
``diff`` gives what a reform changes in its base, rule by rule.
"""

from ._diff import ParameterChange, PolicyDiff, ProgramDiff, RuleChange, diff, format_diff
from ._lint import LINT_CODES, Finding, disjoint, lint, overrides, problems
from ._reads import date_reads, readers, reads, rule_reads

__all__ = ["Finding", "LINT_CODES", "ParameterChange", "PolicyDiff", "ProgramDiff", "RuleChange", "date_reads", "diff",
           "disjoint", "format_diff", "lint", "overrides", "problems", "readers", "reads", "rule_reads"]
