"""Static analyses over the compiled policy: walks that read the IR without a request.

``reads`` answers which request facts a condition or rule depends on; later walks (partial
decisions, counterfactuals, lint, diff) build on it.
"""

from ._reads import date_reads, readers, reads, rule_reads

__all__ = ["date_reads", "readers", "reads", "rule_reads"]
