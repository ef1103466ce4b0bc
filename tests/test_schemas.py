"""The published JSON Schemas agree with the library: strict Draft 2020-12, every request the
library takes is valid, every invalid request a schema can describe is refused by both."""

import datetime as dt
import json
import lzma
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from eligibility import bundled_policies, validate
from eligibility.contract import NOT_EXPRESSIBLE, request_schema, schema_file, schemas
from eligibility.testing import load_case_file

ROOT = Path(__file__).parents[1]
POLICIES = bundled_policies()
PUBLISHED = schemas(POLICIES)
# Draft 2020-12's keywords: a strict validator (Ajv strict mode) refuses anything else
KEYWORDS = {
    "$schema", "$id", "$ref", "$defs", "$comment", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary",
    "type", "enum", "const", "properties", "patternProperties", "additionalProperties", "required", "items",
    "prefixItems", "contains", "minContains", "maxContains", "minItems", "maxItems", "uniqueItems", "minLength",
    "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minProperties", "maxProperties", "propertyNames", "dependentRequired", "dependentSchemas", "anyOf", "allOf",
    "oneOf", "not", "if", "then", "else", "title", "description", "default", "examples", "deprecated",
    "readOnly", "writeOnly", "unevaluatedProperties", "unevaluatedItems", "contentMediaType", "contentEncoding",
    "contentSchema",
}
NAMED = ("properties", "$defs", "patternProperties", "dependentSchemas")       # values: schemas by name
ONE = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
       "unevaluatedProperties", "unevaluatedItems", "contentSchema")
MANY = ("anyOf", "allOf", "oneOf", "prefixItems")


def unknown_keywords(schema, path="#"):
    found = [f"{path}/{key}" for key in schema if key not in KEYWORDS]
    for key in NAMED:
        for name, sub in schema.get(key, {}).items():
            found += unknown_keywords(sub, f"{path}/{key}/{name}")
    for key in ONE:
        if isinstance(schema.get(key), dict):
            found += unknown_keywords(schema[key], f"{path}/{key}")
    for key in MANY:
        for i, sub in enumerate(schema.get(key, [])):
            found += unknown_keywords(sub, f"{path}/{key}/{i}")
    return found


def validator(name):
    return Draft202012Validator(PUBLISHED[name], format_checker=Draft202012Validator.FORMAT_CHECKER)


def as_json(value):
    """A request as a caller sends it: YAML's dates as ISO text."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def library_requests():
    out = [as_json(yaml.safe_load(path.read_text(encoding="utf-8"))) for path in sorted((ROOT / "examples").glob("*.yaml"))]
    out += [as_json(case.request) for path in sorted((ROOT / "tests" / "cases").glob("*.cases.yaml"))
            for case in load_case_file(path)]
    with lzma.open(ROOT / "tests" / "corpus" / "requests.jsonl.xz", "rt", encoding="utf-8") as corpus:
        out += [json.loads(line) for i, line in enumerate(corpus) if i % 40 == 0]
    return out


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_each_schema_is_strict_draft_2020_12(name):
    Draft202012Validator.check_schema(PUBLISHED[name])
    assert [] == unknown_keywords(PUBLISHED[name])


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_the_published_files_are_the_generated_schemas(name):
    assert PUBLISHED[name] == json.loads(schema_file(name).read_text(encoding="utf-8")), \
        "run `eligibility schema` to refresh docs/schema"


def test_every_request_the_library_takes_is_valid_against_both_schemas():
    requests = library_requests()
    assert len(requests) > 800
    generic = validator("request.json")
    for request in requests:
        assert [] == validate(request), request
        errors = [e.message for e in generic.iter_errors(request)]
        errors += [e.message for e in validator(f"request-{request['city']}.json").iter_errors(request)]
        assert [] == errors, request


BASE = {"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
        "person": {"birth_date": "1970-05-01", "hukou": {"region": "440511"},
                   "statuses": [{"kind": "dibao", "since": "2021-01-10"}]},
        "parameters": {"individual_premium": "320"}}


def person(**changes):
    return {**BASE, "person": {**BASE["person"], **changes}}


@pytest.mark.parametrize("request_, city_only", [
    ({**BASE, "city": "guangzhou"}, True),                                        # not a city the schema names
    ({**BASE, "program": "resident_pension"}, True),                              # not a program of Shantou
    ({**BASE, "parameters": {"premium": "320"}}, True),                           # an undeclared parameter
    ({**BASE, "parameters": {"individual_premium": "-5"}}, False),
    ({**BASE, "parameters": {"individual_premium": -5}}, False),
    ({**BASE, "parameters": {"individual_premium": "abc"}}, False),
    ({**BASE, "as_of": "2021-13-01"}, False),
    ({**BASE, "as_of": "20.9.2021"}, False),
    ({**BASE, "as_of": 1632096000}, False),
    (person(birth_date="2150-01-01"), False),
    (person(birth_date="1850-01-01"), False),
    (person(sex="F"), False),
    (person(hukou={"region": "4405"}), False),
    (person(statuses=[{"kind": "dibaoo", "since": "2021-01-10"}]), False),
    (person(statuses=[{"kind": "tekun", "care": "dispersd", "since": "2021-01-10"}]), False),
    (person(statuses=[{"kind": "dibao"}]), False),
    (person(student="yes"), False),
    ({**BASE, "extra": 1}, False),
    ({**BASE, "choices": {"tier": 3}}, False),
])
def test_an_invalid_request_is_refused_by_the_schema_and_the_library(request_, city_only):
    assert validate(request_) != []
    assert list(validator("request-shantou.json").iter_errors(request_)) != []
    assert city_only == (list(validator("request.json").iter_errors(request_)) == [])


@pytest.mark.parametrize("rule, request_", [
    (NOT_EXPRESSIBLE[0], person(id_number="440511197005010023", birth_date=None)),   # a wrong check character
    (NOT_EXPRESSIBLE[1], person(id_number="440511197005010022", birth_date="1971-05-01")),
    (NOT_EXPRESSIBLE[2], person(statuses=[{"kind": "dibao", "since": "2022-01-10"}])),
    (NOT_EXPRESSIBLE[3], person(statuses=[{"kind": "dibao", "since": "2021-01-10", "until": "2020-01-01"}])),
    (NOT_EXPRESSIBLE[4], {**BASE, "as_of": "2021-02-30"}),
    (NOT_EXPRESSIBLE[5], {**BASE, "parameters": {"individual_premium": "1000000001"}}),
])
def test_what_no_schema_can_say_is_listed_and_checked_by_the_library(rule, request_):
    request_ = {**request_, "person": {k: v for k, v in request_["person"].items() if v is not None}}
    assert [] == list(validator("request-shantou.json").iter_errors(request_)), rule
    assert validate(request_) != [], rule


def test_the_per_city_schema_names_its_parameters():
    schema = request_schema(POLICIES.get("heshan"))
    assert {"individual_premium"} <= set(schema["properties"]["parameters"]["properties"])
    assert "heshan" == schema["properties"]["city"]["const"]
