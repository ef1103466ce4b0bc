"""The contract with callers: the request a system sends, the decision it gets back, their
JSON Schemas, and how identifying values are checked and masked."""

from ._decision import (DECISION_SCHEMA_VERSION, AppliedDefault, CategoryRef, Change, ConditionTrace, Counterfactual,
                        Deadline, Decision, Explanation, OpenDeadline, OpenPart, Outcome, ParameterUse, PolicyRef, Question, Reason, ReformRef,
                        Subsidy, Tier, TierBenefit, TraceStep, WhatIf, build_model)
from ._facts import fact_pattern, fact_value, field_of, with_fact
from ._fields import (EARLIEST_DATE, LATEST_DATE, MAX_AMOUNT, MAX_ENROLLMENTS, MAX_REQUEST_BYTES, MAX_STATUSES,
                      REGION_PATTERN)
from ._questions import STATUS_NAMES, question
from ._labels import LANGS, LIBRARY_CODES, CodeLabel, Lang
from ._wording import (ATTRIBUTE_LABELS, COMPARE_WORDS, SCHEME_LABELS, VALUE_LABELS, age_words, alternatives,
                       status_words, value_label)
from ._identity import ID_CHECK_CHARACTERS, ID_WEIGHTS, check_character, id_birth_date, id_problem, mask_id, mask_name, scrub
from ._records import (ENROLLMENT_MODELS, SCHEMES, STATUS_ATTRIBUTES, STATUS_COMMON_FIELDS, STATUS_KINDS, STATUS_MODELS, Hukou, Status,
                       attribute_values)
from ._request import Choices, Person, Request, parse_request, scrub_issues, shown_input
from ._request_text import load_request_file, load_request_text
from ._schema import NOT_EXPRESSIBLE, decision_schema, request_schema, schema_file, schemas, write_schemas

__all__ = [
    "AppliedDefault", "Change", "Counterfactual", "Explanation", "OpenPart", "Question", "WhatIf", "fact_pattern", "fact_value", "field_of",
    "with_fact", "question", "STATUS_NAMES",
    "CategoryRef", "Choices", "ConditionTrace", "DECISION_SCHEMA_VERSION", "Deadline", "Decision", "Hukou",
    "CodeLabel", "LANGS", "LIBRARY_CODES", "Lang",
    "ATTRIBUTE_LABELS", "COMPARE_WORDS", "SCHEME_LABELS", "VALUE_LABELS", "age_words", "alternatives", "status_words",
    "value_label",
    "EARLIEST_DATE", "ID_CHECK_CHARACTERS", "ID_WEIGHTS", "LATEST_DATE", "MAX_AMOUNT", "MAX_ENROLLMENTS",
    "MAX_REQUEST_BYTES", "MAX_STATUSES", "REGION_PATTERN", "NOT_EXPRESSIBLE", "OpenDeadline", "Outcome", "ParameterUse", "Person", "PolicyRef", "ReformRef",
    "ENROLLMENT_MODELS", "Reason", "Request", "SCHEMES", "STATUS_ATTRIBUTES", "STATUS_COMMON_FIELDS", "STATUS_KINDS", "STATUS_MODELS",
    "Status", "Subsidy", "Tier", "TierBenefit", "TraceStep", "attribute_values", "build_model", "check_character",
    "decision_schema", "id_birth_date", "id_problem", "load_request_file", "load_request_text", "mask_id",
    "mask_name", "parse_request", "request_schema", "schema_file", "schemas", "scrub", "scrub_issues",
    "shown_input", "write_schemas",
]
