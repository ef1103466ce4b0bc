"""Fuzzing the two doors hostile input comes through: policy YAML and requests.

Whatever goes in, the only exceptions that come out are the library's documented ones
(PolicyError for policies; RequestError or CalendarError for requests), and no output,
message, repr or chained exception holds the ID number or name. Bounded so the suite stays
fast: a fixed number of examples each, derandomized for repeatable CI runs.

``ELIGIBILITY_FUZZ_EXAMPLES=10000`` (not set in CI) runs each fuzzer unseeded for that many
examples: ``ELIGIBILITY_FUZZ_EXAMPLES=10000 pytest tests/test_fuzz.py``.
"""

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility import CalendarError, PolicyError, RequestError, evaluate, load_policies
from eligibility.language import compile_policy_text
from eligibility.language import bundled_policy_dir
from eligibility.render import render_json, render_text
from eligibility.contract import load_request_text

_LONG_RUN = int(os.environ.get("ELIGIBILITY_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=_LONG_RUN or 150, deadline=None, derandomize=not _LONG_RUN, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
SECRETS = ("440511197005010022", "陈某某")


def assert_private(*texts: str) -> None:
    for text in texts:
        assert not any(secret in text for secret in SECRETS), text


def error_texts(error: BaseException) -> list[str]:
    """What an error shows: its message, repr, issues, notes and every chained exception."""
    texts = []
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        texts += [str(error), repr(error), *map(repr, getattr(error, "issues", ())),
                  *getattr(error, "__notes__", ())]
        error = error.__cause__ or error.__context__
    return texts
SHANTOU = (bundled_policy_dir() / "shantou.yaml").read_text(encoding="utf-8")
LINES = SHANTOU.splitlines(keepends=True)
POLICIES = load_policies()

# fragments an analyst (or an attacker) might leave in a policy
HOSTILE_TOKENS = ["vaules:", "280元", "2020-13-01", "!!python/object/apply:os.system ['x']", "&a", "*a", "<<: *a",
                  "{", "[", "]", "}", ": ", "- ", "\t", "\x00", "'", '"', "~", "null", "yes", "1e999", ".nan",
                  "!!binary aGk=", "? ", "|", ">", "%YAML 1.1\n---\n", "\ufeff", "一(十)", "　", "\r"]


@st.composite
def mutated_policies(draw):
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "replace_char", "swap"]))
        line = lines[index]
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, line)
        elif action == "insert":
            token = draw(st.sampled_from(HOSTILE_TOKENS) | st.text(max_size=8))
            at = draw(st.integers(0, len(line)))
            lines[index] = line[:at] + token + line[at:]
        elif action == "replace_char" and line:
            at = draw(st.integers(0, len(line) - 1))
            lines[index] = line[:at] + draw(st.characters()) + line[at + 1:]
        else:
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
    return "".join(lines)


def only_policy_errors(text: str) -> None:
    try:
        compile_policy_text(text, "shantou.yaml", expected_city="shantou")
    except PolicyError as error:
        assert all(issue.line is not None and issue.hint for issue in error.issues), str(error)


@FUZZ
@given(mutated_policies())
def test_mutated_policy_files_raise_only_policy_errors(text):
    only_policy_errors(text)


@FUZZ
@given(st.lists(st.sampled_from(list("abc:-[]{}&*!|>'\"# \n\t0123456789.,?%@`") + HOSTILE_TOKENS),
                max_size=80).map("".join))
def test_random_yaml_raises_only_policy_errors(text):
    only_policy_errors(text)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    | st.sampled_from(["2021-09-20", "2021-13-01", "440511", "440511197005010022", "dibao", "320", "-1", "1e30"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)
VALID = {"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
         "person": {"id_number": "440511197005010022", "name": "陈某某", "sex": "female",
                    "hukou": {"region": "440511", "kind": "urban"},
                    "statuses": [{"kind": "dibao", "since": "2021-01-10"},
                                 {"kind": "disability", "grade": 1, "since": "2010-01-01",
                                  "certificate_valid_until": "2030-01-01"}],
                    "enrollments": [{"scheme": "resident_medical", "year": 2021, "paid_by": "self",
                                     "paid_on": "2021-01-05"}]},
         "choices": {"tier": 1}, "parameters": {"individual_premium": "320"}}


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, prefix + (index,))


ALL_PATHS = [p for p in paths(VALID) if p]


@st.composite
def mutated_requests(draw):
    data = json.loads(json.dumps(VALID))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(ALL_PATHS))
        target = data
        try:
            for part in path[:-1]:
                target = target[part]
            target[path[-1]] = draw(JSON)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced a parent
    return data


def only_request_errors(data) -> None:
    try:
        decision = evaluate(data, POLICIES)
        # reads the trace and every rendered field too
        assert_private(render_text(decision), render_json(decision), repr(decision))
    except (RequestError, CalendarError) as error:
        assert_private(*error_texts(error))


@FUZZ
@given(mutated_requests())
def test_mutated_requests_raise_only_request_errors(data):
    only_request_errors(data)


@FUZZ
@given(JSON)
def test_random_json_raises_only_request_errors(data):
    only_request_errors(data)


@FUZZ
@given(st.text(max_size=300) | JSON.map(lambda d: json.dumps(d)))
def test_random_request_text_raises_only_request_errors(text):
    try:
        request = load_request_text(text)
        assert_private(repr(request))
    except RequestError as error:
        assert_private(*error_texts(error))
