"""No output path shows a resident's ID number or name unmasked."""

import json
import logging
import re
import warnings

import pytest

from eligibility import EligibilityError, RequestError, evaluate, parse_request
from eligibility.render import render_json, render_text
from eligibility.cli import main

ID, NAME = "440511197005010022", "陈某某"
OTHER_ID = "440511195005010023"           # a second, valid-looking number typed into other fields
PERSON = {"id_number": ID, "name": NAME, "hukou": {"region": "440511"},
          "statuses": [{"kind": "dibao", "since": "2021-01-01"}]}
GOOD = {"city": "shantou", "as_of": "2021-09-20", "person": PERSON, "parameters": {"individual_premium": "320"}}
UNMASKED = re.compile(r"(?<![0-9])[0-9]{15,17}[0-9Xx]?(?![0-9])")


def bad(**changes):
    data = json.loads(json.dumps(GOOD))
    for path, value in changes.items():
        target = data
        *parents, last = path.split(".")
        for part in parents:
            target = target[part]
        target[last] = value
    return data


# requests whose validation errors would quote the ID or the name if anything leaked
HOSTILE = {
    "bad check character": bad(**{"person.id_number": ID[:-1] + "3"}),
    "id as city": bad(city=ID), "name as city": bad(city=NAME),
    "id as program": bad(program=OTHER_ID), "name as sex": bad(**{"person.sex": NAME}),
    "id as birth date": bad(**{"person.birth_date": ID}), "id as region": bad(**{"person.hukou.region": OTHER_ID}),
    "id as parameter name": bad(parameters={ID: "1"}), "name as key": bad(**{f"person.{NAME}": 1}),
    "id as status kind": bad(**{"person.statuses": [{"kind": ID, "since": "2021-01-01"}]}),
    "birth date contradicting the id": bad(**{"person.birth_date": "1970-05-02"}),
    "id with full-width digits": bad(**{"person.id_number": "４４０５１１１９７００５０１００２２"}),
    "name too long": bad(**{"person.name": NAME * 40}),
}


def assert_clean(text: str) -> None:
    assert ID not in text and NAME not in text and OTHER_ID not in text, text
    assert not UNMASKED.search(text), text
    assert "４４０５１１１９７" not in text


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_error_messages_paths_and_reprs_never_hold_the_id_or_name(name, caplog):
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught_warnings, pytest.raises(EligibilityError) as caught:
        evaluate(HOSTILE[name])
    error = caught.value
    for text in (str(error), repr(error), *(repr(i) for i in getattr(error, "issues", ())),
                 caplog.text, *(str(w.message) for w in caught_warnings)):
        assert_clean(text)


def test_decision_renderings_and_reprs_mask_the_id_and_drop_the_name():
    request = parse_request(GOOD)
    decision = evaluate(request)
    for text in (render_json(decision), render_text(decision), repr(decision), str(decision),
                 repr(request), str(request), repr(request.person), decision.model_dump_json()):
        assert_clean(text)
    assert "4405**********0022" in render_json(decision)


def test_direct_model_validation_errors_hide_the_input():
    from pydantic import ValidationError

    from eligibility import Request

    with pytest.raises(ValidationError) as caught:
        Request.model_validate(HOSTILE["id as region"])
    assert_clean(str(caught.value))


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_cli_prints_no_identifier_on_stdout_or_stderr(tmp_path, capsys, fmt):
    for name, data in [("good", GOOD), *HOSTILE.items()]:
        path = tmp_path / "request.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        main(["evaluate", str(path), "--format", fmt])
        out, err = capsys.readouterr()
        assert_clean(out + err)


FULL_WIDTH_OTHER_ID = "４４０５１１１９５００５０１００２３"


@pytest.mark.parametrize("where, fact", [
    ("person", "student"), ("person", "social_security_card"),
    ("orphan", "allowance"), ("distressed_child", "unable_to_pay"), ("registered_poor", "unable_to_pay"),
    ("disability", "lost_work_capacity"), ("entitled_group", "key"),
    ("family_planning", "honour_certificate"), ("family_planning", "cannot_have_another_child"),
])
@pytest.mark.parametrize("value", ["yes", "true", 1, 0])
def test_every_yes_no_fact_is_a_strict_boolean(where, fact, value):
    status = {"kind": "dibao" if where == "person" else where, "since": "2010-01-01"}
    person = {"birth_date": "1970-01-01", "statuses": [status]}
    (person if where == "person" else status)[fact] = value
    with pytest.raises(RequestError) as caught:
        parse_request({"city": "heshan", "as_of": "2017-12-01", "person": person})
    path = f"person.{fact}" if where == "person" else "person.statuses[0]." + fact
    assert [path] == [issue.path for issue in caught.value.issues]
    (person if where == "person" else status)[fact] = True
    parse_request({"city": "heshan", "as_of": "2017-12-01", "person": person})  # true itself is accepted


def test_a_full_width_id_typed_into_another_field_is_masked():
    with pytest.raises(EligibilityError) as caught:
        evaluate(bad(**{"person.hukou.region": FULL_WIDTH_OTHER_ID}))
    text = str(caught.value) + "".join(repr(i) for i in caught.value.issues)
    assert_clean(text)
    assert FULL_WIDTH_OTHER_ID[:9] not in text


# --- round two (issue 12): however an ID or name is written, wherever it would show --------

SPACED_IDS = ["4405 1119 5005 0100 23", "440511-19500501-0023", "440511 19500501 0023", "4405\u300011195005010023",
              "４４０５ １１１９ ５００５ ０１００ ２３", "440511_19500501_0023"]


def digits_of(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def assert_no_id_digits(text: str) -> None:
    """No run of the second ID's digits, separators dropped, survives."""
    import unicodedata

    flat = digits_of(unicodedata.normalize("NFKC", text))
    assert OTHER_ID[4:14] not in flat, text


@pytest.mark.parametrize("spaced", SPACED_IDS)
@pytest.mark.parametrize("field", ["city", "program", "person.hukou.region", "person.sex", "parameter key"])
def test_an_id_written_with_separators_is_masked_in_errors(spaced, field):
    data = bad(parameters={spaced: "1"}) if field == "parameter key" else bad(**{field: spaced})
    with pytest.raises(EligibilityError) as caught:
        evaluate(data)
    for text in (str(caught.value), repr(caught.value), *(repr(i) for i in caught.value.issues)):
        assert_no_id_digits(text)


@pytest.mark.parametrize("spaced", SPACED_IDS[:2])
@pytest.mark.parametrize("field", ["city", "program"])
def test_the_repr_of_a_request_masks_an_id_typed_into_a_text_field(spaced, field):
    request = parse_request(bad(**{field: spaced}))
    assert_no_id_digits(repr(request))
    assert_no_id_digits(str(request))


def test_the_repr_of_a_request_masks_an_id_used_as_a_parameter_name():
    request = parse_request(bad(parameters={"4405 1119 5005 0100 23": "1"}))
    assert_no_id_digits(repr(request))


@pytest.mark.parametrize("name", [" 陈某某 ", "陈", " 陈 ", "\u3000陈某\u3000", "Li"])
def test_a_name_however_padded_is_masked_where_it_is_echoed(name):
    data = bad(**{"person.name": name, "city": name.strip(), "person.sex": name.strip()})
    with pytest.raises(EligibilityError) as caught:
        evaluate(data)
    text = str(caught.value) + "".join(repr(i) for i in caught.value.issues)
    assert name.strip() not in text


def test_a_name_used_as_a_key_is_not_in_the_path():
    data = bad(**{"person.name": "Li Lei"})
    data["person"]["Li Lei"] = 1
    with pytest.raises(RequestError) as caught:
        parse_request(data)
    assert ("Li Lei" not in str(caught.value), 1) == (True, len(caught.value.issues))


def test_the_chained_validation_error_is_dropped():
    with pytest.raises(RequestError) as caught:
        parse_request(bad(**{"person.id_number": ID[:-1] + "3", "person.sex": NAME}))
    error = caught.value
    assert (None, None) == (error.__cause__, error.__context__)


def test_an_unknown_field_named_like_a_status_kind_keeps_its_name():
    with pytest.raises(RequestError) as caught:
        parse_request(bad(**{"person.dibao": True}))
    assert ["person.dibao"] == [i.path for i in caught.value.issues]


def test_a_trace_never_shows_the_birth_date_beside_the_masked_id():
    decision = evaluate(bad(**{"person.statuses": [{"kind": "low_income_household", "since": "2021-01-01"}]}))
    text = render_json(decision) + render_text(decision)
    assert "4405**********0022" in text
    assert ("1970-05-01" not in text, "from person.id_number" in text) == (True, True)


def test_a_given_birth_date_beside_an_id_is_not_traced_either():
    decision = evaluate(bad(**{"person.birth_date": "1970-05-01",
                               "person.statuses": [{"kind": "low_income_household", "since": "2021-01-01"}]}))
    assert "1970-05-01" not in render_json(decision)


def test_without_an_id_the_trace_shows_the_birth_date():
    data = bad(**{"person.statuses": [{"kind": "low_income_household", "since": "2021-01-01"}]})
    del data["person"]["id_number"]
    data["person"]["birth_date"] = "1950-05-01"
    assert "1950-05-01" in render_json(evaluate(data))


@pytest.mark.parametrize("text, strict", [
    ('{"city": "shantou", "person": {"id_number": "440511197005010022", "name": "陈某某"},}', True),
    ('{"陈某某": 1, "陈某某": 2, "id": "440511197005010022"}', False),
])
def test_a_request_text_error_chains_no_exception_holding_the_text(text, strict):
    from eligibility.contract import load_request_text

    with pytest.raises(RequestError) as caught:
        load_request_text(text, strict_json=strict)
    assert (None, None) == (caught.value.__cause__, caught.value.__context__)
