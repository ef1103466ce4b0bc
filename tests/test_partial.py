"""Partial decisions (issue 11), checked on generated requests of every bundled city.

- A part decided without a fact holds whatever the fact is: removing a fact never changes a
  part the partial decision reports as settled, and a part that needs a missing fact is open,
  never shown as holding.
- Every question splits the decision: two of its values decide differently, and each what-if
  branch is the decision of the request with that value, decided afresh through the public API.
- A fact the decision lacks but does not ask cannot change the outcome, whatever its value.
- Counterfactuals make the person eligible and are smallest: no change can be left out.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from eligibility import RequestError, evaluate, explain, parse_request
from eligibility.contract import STATUS_ATTRIBUTES, fact_value, with_fact
from eligibility.engine import apply_changes
from test_invariants import BOUNDED, CITIES, _removable, _without, any_request, eligible_request


def parts(decision) -> dict[str, Any]:
    """Every part of a decision by the name ``open`` uses for it."""
    out: dict[str, Any] = {"outcome": decision.outcome, "primary_category": decision.primary_category,
                           "benefit_start": (decision.benefit_start, decision.benefit_note),
                           "benefit_end": decision.benefit_end, "responsible_region": decision.responsible_region,
                           "enrollment_unit": decision.enrollment_unit, "referred_to": decision.referred_to}
    s = decision.subsidy
    out["subsidy.amount"] = (s.amount, s.share, s.premium) if s else None
    out["subsidy.funding_source"] = s.funding_source if s else None
    out["subsidy.payment"] = s.payment if s else None
    out["tier.level"] = decision.tier.level if decision.tier else None
    return out


def settled_parts(decision) -> dict[str, Any]:
    """The parts a decision reports as settled (none but its outcome when undetermined)."""
    if decision.outcome == "undetermined":
        return {}
    opened = {p.part for p in decision.open}
    return {name: value for name, value in parts(decision).items() if name not in opened}


def listed(decision) -> dict[str, set]:
    """Flags, deadlines, benefit items and categories: which are held and which are open."""
    opened = {p.part for p in decision.open}
    items = {f"flags.{f}" for f in decision.flags} | {f"deadlines.{d.action}@{d.due}" for d in decision.deadlines} | {
        f"tier.benefits.{b.item}={b.value}" for b in (decision.tier.benefits if decision.tier else [])} | {
        f"categories.{c.id}" for c in decision.categories}
    return {"held": items, "open": opened}


@pytest.mark.parametrize("city", CITIES)
def test_a_part_decided_without_a_fact_holds_whatever_the_fact(city):
    compared = []

    @BOUNDED
    @given(st.one_of(any_request(city), eligible_request(city)))
    def run(request):
        full = evaluate(request, trace=False)
        if full.outcome == "undetermined":
            return
        for path in _removable(request):
            partial = evaluate(_without(request, path), trace=False)
            if partial.defaults:
                continue  # the text settles the fact: a default, not a missing fact
            # compared where the full request settles the part too (it may lack other facts)
            full_settled = settled_parts(full)
            for name, value in settled_parts(partial).items():
                if name in full_settled:
                    compared.append(name)
                    assert full_settled[name] == value, (path, name, value, full_settled[name])
            if partial.outcome == "undetermined":
                continue
            held, opened = listed(partial)["held"], listed(partial)["open"]
            full_held, full_open = listed(full)["held"], listed(full)["open"]
            for item in held:  # never shown as holding unless it holds with the fact (or is open there)
                assert item in full_held or item.split("@")[0].split("=")[0] in full_open, (path, item)
            for item in full_held - held:  # missing from the partial decision only when open
                assert item.split("@")[0].split("=")[0] in opened, (path, item, opened)
            for part in partial.open:  # an open part needs a fact the request lacks
                assert part.needs, part

    run()
    assert len(compared) > 50  # settled parts were compared, the early exits did not skip them all


def _branch_request(request: dict, fact: str, value: Any) -> dict:
    """``request`` with ``fact`` set to ``value``, built on the JSON form (not through the engine)."""
    data = json.loads(json.dumps(request))
    if fact == "person.birth_date":
        data["person"].pop("id_number", None)
    target = data
    steps = fact.split(".")
    for step in steps[:-1]:
        name, _, index = step.partition("[")
        target = target.setdefault(name, {}) if not index else target[name][int(index.rstrip("]"))]
        if target is None:
            target = {}
    target[steps[-1]] = value.isoformat() if isinstance(value, dt.date) else value
    return data


def _summary(decision) -> str:
    """Everything a decision says, but its trace and what it leaves to ask or explain."""
    return json.dumps(decision.model_dump(mode="json", exclude={"trace", "questions", "reasons"}), sort_keys=True)


@pytest.mark.parametrize("city", CITIES)
def test_every_question_splits_the_decision_and_each_branch_is_decided_afresh(city):
    split = []

    @BOUNDED
    @given(st.one_of(any_request(city), eligible_request(city)))
    def run(request):
        for path in _removable(request)[:4]:
            partial_request = _without(request, path)
            decision = evaluate(partial_request, trace=False)
            explanation = explain(decision)
            asked = [q.fact for q in decision.questions]
            assert sorted(asked) == sorted({b.fact for b in explanation.what_if})
            for fact in asked:
                branches = [b for b in explanation.what_if if b.fact == fact]
                afresh = [evaluate(_branch_request(partial_request, fact, b.value), trace=False) for b in branches]
                assert [(b.outcome, sorted(b.flags)) for b in branches] == [
                    (d.outcome, sorted(d.flags)) for d in afresh]
                assert len({_summary(d) for d in afresh}) >= 2, (fact, [b.value for b in branches])
                split.append(fact)
            ranks = [("outcome" not in q.settles, -len(q.settles)) for q in decision.questions]
            assert ranks == sorted(ranks)

    run()
    assert len(split) > 5  # questions were asked and their branches decided afresh


def _fact_path(path: tuple) -> str | None:
    """A ``_removable`` path as the request path decisions use; None for a whole hukou or an ID."""
    if path in (("hukou",), ("id_number",)):
        return None
    if path[0] == "statuses" or path[0] == "enrollments":
        return f"person.{path[0]}[{path[1]}].{path[2]}"
    return "person." + ".".join(path)


@pytest.mark.parametrize("city", CITIES)
def test_a_fact_lacked_but_not_asked_cannot_change_the_outcome(city):
    checked = []

    @BOUNDED
    @given(st.one_of(any_request(city), eligible_request(city)), st.data())
    def run(request, data):
        for path in _removable(request)[:4]:
            partial_request = _without(request, path)
            decision = evaluate(partial_request, trace=False)
            if decision.defaults:
                continue  # the text settles the fact left out: not a lacked fact
            # the facts the decision says it lacks, and the one left out (lacked whether named or not)
            lacked = set(decision.missing) | {f for p in decision.open for f in p.needs} | {_fact_path(path)}
            for fact in lacked - {q.fact for q in decision.questions} - {None}:
                outcomes = set()
                tried = set()
                for _ in range(3):
                    value = data.draw(_any_value(fact, partial_request), label=fact)
                    try:
                        outcomes.add(evaluate(_branch_request(partial_request, fact, value), trace=False).outcome)
                    except RequestError:
                        continue  # a value the request cannot hold here (a birth date after as_of)
                    tried.add(repr(value))
                assert len(outcomes) <= 1, (fact, outcomes)
                if len(tried) >= 2:   # a check only where two values of the fact were decided
                    checked.append(fact)

    run()
    assert len(checked) > 20  # the property is exercised, not vacuous


def _any_value(fact: str, request: dict) -> st.SearchStrategy:
    """Any value the request contract allows for ``fact`` (dates over a wide range)."""
    name = fact.rsplit(".", 1)[1]
    if fact.startswith("person.statuses["):
        kind = request["person"]["statuses"][int(fact.split("[", 1)[1].split("]", 1)[0])]["kind"]
        values = STATUS_ATTRIBUTES[kind][name][1] if name in STATUS_ATTRIBUTES[kind] else None
        if values:
            return st.sampled_from(list(values))
    if name in ("birth_date", "woman_birth_date", "certificate_valid_until"):
        return st.dates(dt.date(1920, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat)
    if name == "region":
        return st.sampled_from(["440203", "440507", "440784", "530127", "410102", "410122", "110101"])
    if name in ("kind", "area"):
        return st.sampled_from(["rural", "urban"])
    if name == "sex":
        return st.sampled_from(["female", "male"])
    if name == "paid_by":
        return st.sampled_from(["self", "government"])
    if name == "tier":
        return st.sampled_from([1, 2])
    if name == "pension_grade":
        return st.sampled_from(["100", "300", "360", "480", "1000", "3000"])
    if name == "grade":
        return st.integers(1, 4)
    return st.booleans()


@pytest.mark.parametrize("city", CITIES)
def test_counterfactuals_make_the_person_eligible_and_are_smallest(city):
    seen = []

    @BOUNDED
    @given(any_request(city))
    def run(request):
        decision = evaluate(request, trace=False)
        if decision.outcome != "not_eligible":
            assert explain(decision).counterfactuals == []
            return
        options = explain(decision).counterfactuals
        assert len({len(option.changes) for option in options}) <= 1  # only the smallest
        parsed = parse_request(request)
        for option in options:
            seen.append(option)
            assert option.rules and len(option.rules) == len(option.clauses)
            # never a change to who the person is
            assert not any(c.fact.startswith(("person.birth_date", "person.sex", "person.hukou", "person.id_number"))
                           for c in option.changes)
            # decided afresh with the changes made, the person is eligible ...
            changed = apply_changes(parsed, option.changes)
            assert evaluate(changed.model_dump(mode="json", by_alias=True, exclude_none=True),
                            trace=False).outcome == "eligible", option
            # ... and with any one of them left out, not
            for left_out in range(len(option.changes)):
                fewer = apply_changes(parsed, option.changes[:left_out] + option.changes[left_out + 1:])
                assert fewer is None or evaluate(fewer.model_dump(mode="json", by_alias=True, exclude_none=True),
                                                 trace=False).outcome != "eligible", (option, left_out)

    run()
    # and always at least the directed person: the city's case defaults with no status at all
    base = yaml.safe_load((Path(__file__).parent / "cases" / f"{city}.cases.yaml").read_text(encoding="utf-8"))
    person = json.loads(json.dumps(base["defaults"]["request"], default=str))
    person["person"]["statuses"] = []
    run.hypothesis.inner_test(person)
    assert seen  # some not-eligible person had a way to become eligible, and it was checked


def test_a_fact_is_read_and_set_by_its_path():
    request = parse_request({"city": "zhengzhou", "as_of": "2019-12-01",
                             "person": {"birth_date": "1950-01-01", "hukou": {"region": "410102"},
                                        "statuses": [{"kind": "dibao", "since": "2015-01-01"}]}})
    assert (fact_value(request, "person.hukou.region"), fact_value(request, "person.statuses[0].area"),
            fact_value(request, "person.social_security_card")) == ("410102", None, None)
    changed = with_fact(with_fact(request, "person.statuses[0].area", "rural"), "choices.tier", 2)
    assert (fact_value(changed, "person.statuses[0].area"), fact_value(changed, "choices.tier"),
            fact_value(request, "person.statuses[0].area")) == ("rural", 2, None)
