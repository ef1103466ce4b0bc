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
