"""One scalar of a bundled policy changed to a value of another type: ``check`` refuses it with
a located error, or every evaluation over a sample of requests still succeeds.

A value of the wrong type must never pass the load and fail (or silently misread) at
evaluation. ``ELIGIBILITY_FUZZ_EXAMPLES`` runs it unseeded for longer (see test_fuzz.py).
"""

import copy
import datetime as dt
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility import CalendarError, PolicyError, RequestError, evaluate, loads_policy
from eligibility.language import bundled_policy_dir
from eligibility.loading import load_located
from eligibility.render import render_json
from eligibility.testing import load_case_file

_LONG_RUN = int(os.environ.get("ELIGIBILITY_FUZZ_EXAMPLES", "0"))
MUTATE = settings(max_examples=_LONG_RUN or 60, deadline=None, derandomize=not _LONG_RUN, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CASES = Path(__file__).parent / "cases"
CITIES = ("shantou", "shaoguan", "heshan", "songming", "zhengzhou")
SAMPLE = 12  # requests evaluated per mutated policy


def scalar_paths(value, prefix=()):
    if isinstance(value, dict):
        for key, child in value.items():
            yield from scalar_paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from scalar_paths(child, prefix + (index,))
    else:
        yield prefix


def read(city: str):
    text = (bundled_policy_dir() / f"{city}.yaml").read_text(encoding="utf-8")
    return load_located(text, f"{city}.yaml")[0].data  # the library's reading (`on:` is a key, not true)


DATA = {city: read(city) for city in CITIES}
PATHS = {city: list(scalar_paths(DATA[city])) for city in CITIES}
REQUESTS = {city: [case.request for case in load_case_file(CASES / f"{city}.cases.yaml")][::3][:SAMPLE]
            for city in CITIES}

# values of every type the YAML core schema gives, and the surprises an author types
OTHERS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.integers(), st.sampled_from([0, -1, 1, 60, 2100, 10**20]),
    st.floats(allow_nan=True, allow_infinity=True), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    st.text(max_size=12), st.sampled_from(["yes", "no", "60", "-280", "1e26", "02-29", "as_off", "一(十)", "", " "]),
    st.lists(st.integers(0, 9), max_size=3), st.dictionaries(st.sampled_from(["a", "kind", "from"]), st.integers(),
                                                              max_size=2),
)


def same_type(a, b) -> bool:
    return type(a) is type(b)


@st.composite
def mutated(draw):
    city = draw(st.sampled_from(CITIES))
    path = draw(st.sampled_from(PATHS[city]))
    data = copy.deepcopy(DATA[city])
    target = data
    for part in path[:-1]:
        target = target[part]
    old = target[path[-1]]
    new = draw(OTHERS.filter(lambda value: not same_type(value, old)))
    target[path[-1]] = new
    return city, path, yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@MUTATE
@given(mutated())
def test_a_scalar_of_another_type_is_refused_at_load_or_evaluates_everywhere(mutation):
    city, path, text = mutation
    try:
        policy = loads_policy(text, file=f"{city}.yaml")
    except PolicyError as error:
        assert all(issue.line is not None and issue.hint for issue in error.issues), str(error)
        return
    for request in REQUESTS[city]:
        try:
            render_json(evaluate(request, policy))
        except RequestError:
            pass  # a mutated parameter name makes the request's supplied value unknown: refused, named
        except CalendarError as error:
            assert error.rule is not None, (path, str(error))


def test_the_sample_is_not_empty():
    assert all(len(REQUESTS[city]) >= 3 for city in CITIES)
    assert all(len(PATHS[city]) > 50 for city in CITIES)


@pytest.mark.parametrize("city", CITIES)
def test_the_unmutated_policies_evaluate_the_sample(city):
    policy = loads_policy(yaml.safe_dump(DATA[city], allow_unicode=True, sort_keys=False), file=f"{city}.yaml")
    assert all(evaluate(request, policy).outcome for request in REQUESTS[city])
