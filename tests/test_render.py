"""The text renderer never prints ``None``; ``Decision.to_json`` writes the trace only when asked or present."""

import json
import lzma
from itertools import islice
from pathlib import Path

from eligibility import RequestError, evaluate, render_json, render_text

CORPUS = Path(__file__).parent / "corpus" / "requests.jsonl.xz"
SHANTOU = {"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
           "person": {"birth_date": "1970-05-01", "hukou": {"region": "440511", "kind": "urban"},
                      "statuses": [{"kind": "dibao", "since": "2021-01-10"}]},
           "parameters": {"individual_premium": "320"}}


def _requests(step=25):
    with lzma.open(CORPUS, "rt", encoding="utf-8") as lines:
        for line in islice(lines, 0, None, step):
            yield json.loads(line)


def test_no_policy_in_force_prints_a_meaningful_coverage_year():
    text = render_text(evaluate({**SHANTOU, "as_of": "2010-09-20", "coverage_year": None,
                                 "person": {"birth_date": "1970-05-01"}}))
    assert "None" not in text
    assert "参保年度：未确定" in text


def test_no_rendered_decision_of_the_corpus_prints_none():
    rendered = 0
    for record in _requests():
        try:
            decision = evaluate(record)
        except RequestError:
            continue
        text = render_text(decision)
        for reason in decision.reasons:
            # the engine's reason messages quote an absent fact as None: they are decision data
            # (frozen in the corpus), reworded with the clerk renderer, not here
            text = text.replace(reason.message, "")
        assert "None" not in text, (record, [line for line in text.splitlines() if "None" in line])
        rendered += 1
    assert rendered > 500


def test_to_json_leaves_out_an_untraced_decisions_empty_trace_unless_asked():
    untraced = evaluate(SHANTOU, trace=False)
    assert "trace" not in json.loads(untraced.to_json())
    assert [] == json.loads(untraced.to_json(trace=True))["trace"]
    traced = evaluate(SHANTOU)
    assert json.loads(render_json(traced)) == json.loads(traced.to_json())
    assert "trace" not in json.loads(traced.to_json(trace=False))
    assert json.loads(traced.to_json(trace=False))["reasons"] == []


def test_to_json_is_the_decision_it_was_made_from():
    decision = evaluate({**SHANTOU, "person": {"birth_date": "1970-05-01"}})
    assert decision == type(decision).model_validate_json(decision.to_json())
    assert "not_eligible" == json.loads(decision.to_json(indent=2))["outcome"]
