"""The columnar evaluator against the scalar one: the same decision, field by field, row by
row, for populations drawn from the library's strategies (every city, every program,
missing facts, dates at and outside the versions' windows). Any difference is a bug in one
of them."""

from __future__ import annotations

import pytest

pytest.importorskip("pyarrow")

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from eligibility import RecordError, bundled_policies, evaluate_many
from eligibility.columnar import decision_row, error_row, evaluate_requests, evaluate_table, requests_table
from eligibility.testing import from_request_schema, requests

POLICIES = bundled_policies()
POPULATION = settings(max_examples=6, deadline=None, derandomize=True, database=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                             HealthCheck.data_too_large])


def scalar_rows(population: list) -> list[dict]:
    return [error_row(i, result.issues) if isinstance(result, RecordError) else decision_row(i, result)
            for i, result in enumerate(evaluate_many(population))]


def people(city: str) -> st.SearchStrategy[list]:
    programs = sorted(POLICIES.get(city).programs)
    one = st.one_of([from_request_schema(city=city)] + [requests(city, program=p) for p in programs])
    return st.lists(one, min_size=15, max_size=30)


@pytest.mark.parametrize("city", POLICIES.cities)
@POPULATION
@given(data=st.data())
def test_columnar_decisions_equal_the_scalar_ones_row_by_row(city, data):
    population = data.draw(people(city))
    result = evaluate_requests(population)
    expected = scalar_rows(population)
    actual = result.table.to_pylist()
    assert len(expected) == len(actual)
    for want, got in zip(expected, actual):
        assert want == got
    # the same population as a table in the layout (what Parquet and Spark give) decides the same
    table, fitted = requests_table(population)
    assert all(fitted)
    assert actual == evaluate_table(table).table.to_pylist()


@pytest.mark.parametrize("city", POLICIES.cities)
def test_most_rows_of_a_drawn_population_are_decided_by_arrays(city):
    """Not a comparison of the scalar path with itself: the same draws, most rows columnar."""
    population: list = []

    @POPULATION
    @given(data=st.data())
    def collect(data):
        population.extend(data.draw(people(city)))
    collect()
    summary = evaluate_requests(population).summary()
    # drawn populations leave facts out on purpose; only an outcome decided by cases or branches needs the scalar path
    assert summary["scalar_fallback"] < len(population) * 0.1, summary["fallback_reasons"]


SHANTOU = {"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
           "person": {"birth_date": "1970-05-01", "hukou": {"region": "440511", "kind": "urban"},
                      "statuses": [{"kind": "dibao", "since": "2021-01-10"}]},
           "parameters": {"individual_premium": "320"}}


def test_a_bad_record_is_an_error_row_in_its_place_with_path_and_code():
    bad = {**SHANTOU, "person": {**SHANTOU["person"], "statuses": [{"kind": "dibao", "since": "2021-13-01"}]}}
    unknown_city = {**SHANTOU, "city": "shantuo"}
    result = evaluate_requests([SHANTOU, bad, "not a mapping", unknown_city, SHANTOU])
    rows = result.table.to_pylist()
    assert ["eligible", None, None, None, "eligible"] == [row["outcome"] for row in rows]
    assert [0, 1, 2, 3, 4] == [row["record"] for row in rows]
    assert [("person.statuses[0].since", "date_from_datetime_parsing")] == [
        (e["path"], e["code"]) for e in rows[1]["errors"]]
    assert [("", "type")] == [(e["path"], e["code"]) for e in rows[2]["errors"]]
    assert "unknown_city" == rows[3]["errors"][0]["code"]
    assert scalar_rows([SHANTOU, bad, "not a mapping", unknown_city, SHANTOU]) == rows
    summary = result.summary()
    assert 3 == summary["rejected"] and {"eligible": 2} == summary["outcomes"]
    assert {"medical_assistance_fund": "640.00"} == summary["subsidy_by_funding_source"]


def test_evaluate_many_traces_the_chosen_records_only():
    decisions = list(evaluate_many([SHANTOU, SHANTOU, SHANTOU], trace={1}))
    assert [False, True, False] == [bool(d.trace) for d in decisions]
    assert [False, False] == [bool(d.trace) for d in evaluate_many([SHANTOU] * 2)]
    assert [True, False] == [bool(d.trace) for d in evaluate_many([SHANTOU] * 2, trace=lambda i: i == 0)]


def test_a_population_decided_in_slices_is_decided_as_one(monkeypatch, tmp_path):
    """Slices of ``ROWS`` rows each (memory bounded, arrays cache-sized): records keep their
    numbers and every column its values across the slices' seams."""
    from eligibility.columnar import _slices
    population: list = []

    @POPULATION
    @given(data=st.data())
    def collect(data):
        population.extend(data.draw(people("shantou")))
    collect()
    whole = evaluate_requests(population)
    monkeypatch.setattr(_slices, "ROWS", 7)
    sliced = evaluate_requests(population)
    assert whole.table.to_pylist() == sliced.table.to_pylist()
    assert list(range(len(population))) == sliced.table["record"].to_pylist()
    assert whole.fallback == sliced.fallback
    # the same slices shared out to two forked workers come back in order
    import os
    folder = tmp_path / "pids"
    folder.mkdir()
    decide = _slices._decide

    def noting(*args):   # each process that decides a slice leaves its pid
        (folder / str(os.getpid())).touch()
        return decide(*args)
    monkeypatch.setattr(_slices, "_decide", noting)
    parallel = evaluate_requests(population, workers=2)
    assert whole.table.to_pylist() == parallel.table.to_pylist()
    assert whole.fallback == parallel.fallback
    pids = {int(path.name) for path in folder.iterdir()}
    assert pids and os.getpid() not in pids   # the slices were decided in forked workers, not here


def test_a_lacked_date_and_a_law_default_are_decided_by_arrays():
    """An undetermined outcome whose lacked fact has too many values to try by cases (a
    date) and a fact the law's default fills need not go to the scalar path."""
    no_certificate = {**SHANTOU, "person": {**SHANTOU["person"], "statuses": [
        {"kind": "disability", "since": "2020-01-10", "grade": 1}]}}
    no_tier = {"city": "shaoguan", "as_of": "2014-06-10", "coverage_year": 2015,
               "person": {"birth_date": "1950-03-01", "hukou": {"region": "440203", "kind": "rural"},
                          "statuses": [{"kind": "tekun", "since": "2010-01-01"}]}}
    population = [no_certificate, no_tier]
    result = evaluate_requests(population)
    assert {} == result.fallback
    rows = result.table.to_pylist()
    assert scalar_rows(population) == rows
    assert ("undetermined", ["person.statuses[0].certificate_valid_until"]) == (rows[0]["outcome"], rows[0]["missing"])
    assert ["choices.tier"] == rows[1]["defaults"]



def test_outputs_of_a_few_people_in_a_slice_with_no_status_records_at_all():
    """Heshan's pension contributors need no status: where half a slice contributes and nobody
    holds a status, the outputs are walked on the contributors alone with no status record to
    witness them (this raised IndexError before)."""
    population = [{"city": "heshan", "as_of": "2017-10-01", "program": "resident_pension",
                   "choices": {"pension_grade": "120"},
                   "person": {"birth_date": born, "student": False, "hukou": {"region": "440784", "kind": "rural"}}}
                  for born in ("1970-01-01", "1980-01-01", "2010-01-01", "2012-01-01")]
    rows = evaluate_requests(population).table.to_pylist()
    assert ["eligible", "eligible", "not_eligible", "not_eligible"] == [r["outcome"] for r in rows]
    assert scalar_rows(population) == rows

@settings(max_examples=30, deadline=None, derandomize=True, database=None)
@given(st.lists(st.one_of(st.text(alphabet="0123456789Xx²０ a", min_size=16, max_size=19),
                          st.from_regex(r"44051119[4-9][0-9](0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]",
                                        fullmatch=True)), min_size=1, max_size=12))
def test_id_numbers_are_judged_on_their_bytes_as_the_contract_judges_them(ids):
    """The columnar checks read an ID number's bytes (no regular expression): every ID the
    contract refuses comes back as its error row, and a valid one is decided by arrays."""
    from eligibility.contract import id_problem
    population = [{**SHANTOU, "person": {"id_number": number, "hukou": {"region": "440511", "kind": "urban"},
                                         "statuses": [{"kind": "dibao", "since": "2021-01-10"}]}}
                  for number in ids]
    result = evaluate_requests(population)
    assert scalar_rows(population) == result.table.to_pylist()
    valid = sum(1 for number in ids if id_problem(number.upper()) is None)
    assert result.summary()["scalar_fallback"] == len(ids) - valid


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.lists(st.one_of(st.text(alphabet="0123456789-/T: +０", min_size=8, max_size=12),
                          st.from_regex(r"[12][0-9]{3}-(0[0-9]|1[0-3])-([0-3][0-9])", fullmatch=True)),
                min_size=1, max_size=12))
@example(["20210105", "2021-01-05"])   # the basic ISO form, which date.fromisoformat would take
@example(["2021-W01-1", "2021-01-05"])
def test_a_text_date_is_read_only_where_it_is_the_day_the_contract_reads(texts):
    """Text dates (JSONL) are cast as whole columns: a value becomes a day only where it is
    YYYY-MM-DD naming a real day, and that day; any other value is left null (its row goes to
    the scalar evaluator), without losing the good values beside it."""
    import datetime as dt
    import re

    import pyarrow as pa

    from eligibility.columnar._checks import _cast
    cast, bad = _cast(pa.array(texts, type=pa.string()), pa.date32())
    for text, day, refused in zip(texts, cast.to_pylist(), bad):
        try:
            expected = dt.date.fromisoformat(text) if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) else None
        except ValueError:
            expected = None
        assert (day, bool(refused)) == (expected, expected is None), text


def test_an_explicit_null_is_refused_or_read_as_absent_as_the_contract_says():
    """Every field of the request, of the person, of every status kind and of every enrolment
    scheme sent as an explicit null (and a field of another kind sent as null): the columnar
    rows equal the scalar ones. ``"program": null`` or a status's ``"since": null`` is
    refused; ``"name": null`` or ``"until": null`` reads as absent."""
    from eligibility.contract import ENROLLMENT_MODELS, STATUS_MODELS, Person, Request
    base = {**SHANTOU, "coverage_year": 2021, "choices": {}, "parameters": {"individual_premium": "320"},
            "person": {"id_number": "440511197005010022", "name": "陈某某",
                       "hukou": {"region": "440511", "kind": "urban"},
                       "statuses": [{"kind": "dibao", "since": "2021-01-10"}],
                       "enrollments": [{"scheme": "resident_medical", "year": 2020}]}}
    population = [{**base, name: None} for name in (f.alias or n for n, f in Request.model_fields.items())]
    population += [{**base, "person": {**base["person"], name: None}}
                   for name in (f.alias or n for n, f in Person.model_fields.items())]
    population += [{**base, "person": {**base["person"], "hukou": {"region": None, "kind": "urban"}}},
                   {**base, "choices": {"tier": None}}, {**base, "parameters": {"individual_premium": None}}]
    for lists, models, first in (("statuses", STATUS_MODELS, {"since": "2021-01-10"}),
                                 ("enrollments", ENROLLMENT_MODELS, {"from": "2015-01-01", "year": 2020})):
        key = "kind" if lists == "statuses" else "scheme"
        for kind, model in models.items():
            names = [f.alias or n for n, f in model.model_fields.items()] + ["grade", "year", "care"]
            for name in names:
                record = {key: kind, **{k: v for k, v in first.items() if k in model.model_fields or k == "from"
                                        and "from_" in model.model_fields}, name: None}
                population.append({**base, "person": {**base["person"], lists: [record]}})
    # a parameter's amount as a number, and as what is not one (both as the scalar path reads them)
    population += [{**base, "parameters": {"individual_premium": 320}},
                   {**base, "parameters": {"individual_premium": True}},
                   {**base, "parameters": {"individual_premium": 320.5}}]
    # and what else the contract refuses in a mapping: no person, a dotted key, a kind not a text,
    # a number for a text (but not for an amount)
    population += [{k: v for k, v in base.items() if k != "person"}, {**base, "choices.tier": 1},
                   {**base, "person": {**base["person"], "hukou.region": "440511"}},
                   {**base, "person": {**base["person"], "statuses": [{"kind": ["dibao"], "since": "2021-01-10",
                                                                        "until": None}]}},
                   {**base, "person": {**base["person"], "name": 123}},
                   {**base, "person": {**base["person"], "id_number": 440511197005010022}},
                   {**base, "choices": {"pension_grade": 500}}]
    rows = evaluate_requests(population).table.to_pylist()
    assert scalar_rows(population) == rows
    refused = [r["record"] for r in rows if r["errors"]]
    assert 0 < len(refused) < len(population)   # both kinds of null occur
    assert set(range(len(population) - 7, len(population) - 1)) <= set(refused)   # not the whole-yuan grade
