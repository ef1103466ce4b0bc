"""Invariants every bundled policy must keep, checked with Hypothesis on generated requests.

The requests come from ``eligibility.testing``: valid requests from the schema and
requests aimed at each outcome of the policy. New cities join by being bundled. Bounded
(a fixed number of derandomized examples, no deadline) so the suite stays fast.
"""

import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility import Decision, bundled_policies, evaluate
from eligibility.render import render_json
from eligibility.testing import from_request_schema, requests

POLICIES = bundled_policies()
CITIES = POLICIES.cities
BOUNDED = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                          HealthCheck.data_too_large])


def any_request(city):
    """Requests of every kind for ``city``: from the schema, and aimed at each reachable outcome."""
    policy = POLICIES.get(city)
    aimed = [requests(policy, program=program) for program in sorted(policy.programs)]
    aimed += [requests(policy, outcome=outcome) for outcome in ("not_eligible", "undetermined")]
    return st.one_of(from_request_schema(policy), *aimed)


def eligible_request(city):
    policy = POLICIES.get(city)
    return st.one_of(*[requests(policy, program=program, outcome="eligible") for program in sorted(policy.programs)])


def _without_trace(decision: Decision) -> dict:
    return decision.model_dump(mode="json", exclude={"trace"})


def check_deterministic(request, decision):
    again = evaluate(request)
    untraced = evaluate(request, trace=False)
    assert decision == again
    assert _without_trace(decision) == _without_trace(untraced)
    trace = decision.trace
    assert f"outcome: {decision.outcome}" == trace[-1].label  # the trace explains this decision
    held = [s.rule for s in trace if s.kind == "category" and s.result is True]
    assert sorted(c.id for c in decision.categories) == sorted(held)
    if decision.outcome in ("eligible", "referred"):  # the traced path applied the same outputs
        policy = POLICIES.get(decision.city)
        flags = {o.rule.id: o.flags for v in policy.versions for p in v.programs for o in p.outputs}
        applied = {f for s in trace if s.kind == "output" and s.result is True for f in flags[s.rule]}
        assert sorted(applied) == sorted(decision.flags)


def check_amount_within_premium(decision):
    subsidy = decision.subsidy
    if subsidy is None or subsidy.amount is None:
        return
    amount = Decimal(subsidy.amount)
    assert Decimal(0) <= amount
    if subsidy.premium is not None:
        assert amount <= Decimal(subsidy.premium)


def check_eligible_flag(decision):
    assert decision.eligible == (decision.outcome == "eligible")
    if decision.outcome == "undetermined":
        assert decision.missing, "an undetermined decision names the facts it lacks"


def check_clauses_exist(policy, decision):
    cited = set(policy.clauses)
    cited |= {v.basis for v in policy.versions if v.basis}
    used = [s.clause for s in decision.trace] + [r.clause for r in decision.reasons]
    used += [c.clause for c in decision.categories] + [d.clause for d in decision.deadlines]
    used += [b.clause for b in decision.tier.benefits] if decision.tier else []
    assert set() == {clause for clause in used if clause is not None} - cited


def check_json(request, decision):
    text = render_json(decision)
    assert decision == Decision.model_validate_json(text)
    assert decision == Decision.model_validate(json.loads(text))
    person = request["person"]
    for secret in (person.get("id_number"), person.get("name")):
        if secret:
            assert secret not in text
            assert secret not in render_json(evaluate(request, trace=False))


def check_version_window(policy, decision):
    holding = [v.id for v in policy.versions
               if v.effective_from <= decision.as_of
               and (v.effective_to is None or decision.as_of <= v.effective_to)]
    if decision.policy is not None:
        assert [decision.policy.version] == holding
    else:
        assert [] == holding and "no_policy_in_force" == decision.outcome


@pytest.mark.parametrize("city", CITIES)
def test_every_decision_keeps_the_invariants(city):
    """Deterministic (traced or not), never raising on a valid request; 0 <= amount <= premium;
    ``eligible`` iff outcome ``eligible``; only the policy's clauses cited; JSON round-trips and
    never shows an ID number or name; the version chosen is the one whose window holds as_of."""
    policy = POLICIES.get(city)

    @BOUNDED
    @given(any_request(city))
    def run(request):
        decision = evaluate(request)
        check_deterministic(request, decision)
        check_amount_within_premium(decision)
        check_eligible_flag(decision)
        check_clauses_exist(policy, decision)
        check_json(request, decision)
        check_version_window(policy, decision)

    run()


def _qualifying_statuses(policy, data, request):
    """Statuses that qualify in a category (taken from a request aimed at it), granted by as_of."""
    categories = sorted({c.id for v in policy.versions for p in v.programs for c in p.categories
                         if c.outcome == "eligible" and (v.program(request.get("program", "resident_medical")) is not None)
                         and c in v.program(request.get("program", "resident_medical")).categories})
    category = data.draw(st.sampled_from(categories), label="category")
    aimed = data.draw(requests(policy, category=category, program=request.get("program", "resident_medical")),
                      label="aimed")
    return [s for s in aimed["person"]["statuses"] if s["since"] <= request["as_of"]]


def _comparable(before, after):
    """Two amounts the law orders: from the same parameter, or both stated by the policy. A
    figure the caller supplies (Heshan's family-planning subsidy, its pension contribution
    for special groups) is outside the text, so its size against a stated one is not law."""
    same = before.premium_parameter == after.premium_parameter
    return same or before.premium_source == after.premium_source == "policy"


@pytest.mark.parametrize("city", CITIES)
def test_adding_a_qualifying_status_never_lowers_the_amount(city):
    """Unless an exclusion (cited in the reasons) says so."""
    policy = POLICIES.get(city)

    @BOUNDED
    @given(eligible_request(city), st.data())
    def run(request, data):
        before = evaluate(request, trace=False)
        added = _qualifying_statuses(policy, data, request)
        if not added or before.subsidy is None or before.subsidy.amount is None:
            return
        person = {**request["person"], "statuses": request["person"]["statuses"] + added[:1]}
        after = evaluate({**request, "person": person})
        if any(reason.code == "excluded" for reason in after.reasons):
            return
        assert after.subsidy is not None and after.subsidy.amount is not None, (after.outcome, after.reasons)
        if not _comparable(before.subsidy, after.subsidy):
            return
        assert Decimal(before.subsidy.amount) <= Decimal(after.subsidy.amount), (
            before.primary_category, after.primary_category)

    run()


def _removable(request):
    """Paths of facts the request gives that a rule may need (not those whose absence means
    something else: a status's ``area`` falls back to the hukou, ``paid_on`` to as_of)."""
    person = request["person"]
    paths = [(key,) for key in ("birth_date", "sex", "student", "hukou", "social_security_card")
             if person.get(key) is not None]
    if person.get("id_number") and not person.get("birth_date"):
        paths.append(("id_number",))
    for key in ("region", "kind"):
        if (person.get("hukou") or {}).get(key) is not None:
            paths.append(("hukou", key))
    for index, status in enumerate(person.get("statuses", [])):
        paths += [("statuses", index, key) for key, value in status.items()
                  if value is not None and key not in ("kind", "since", "until", "approved_by", "area")]
    for index, record in enumerate(person.get("enrollments", [])):
        paths += [("enrollments", index, key) for key in ("paid_by", "tier") if record.get(key) is not None]
    return paths


def _without(request, path):
    person = json.loads(json.dumps(request["person"]))
    if path[0] == "birth_date":
        person.pop("id_number", None)  # the ID gives the birth date too
    target = person
    for part in path[:-1]:
        target = target[part]
    target.pop(path[-1])
    return {**request, "person": person}


@pytest.mark.parametrize("city", CITIES)
def test_a_missing_fact_never_gives_another_definite_outcome(city):
    """Leaving a fact out gives ``undetermined`` or the outcome the full request has: never a
    different ``eligible`` or ``not_eligible``, since a decision made without the fact must
    hold whatever the fact is."""
    @BOUNDED
    @given(st.one_of(any_request(city), eligible_request(city)))
    def run(request):
        full = evaluate(request, trace=False)
        for path in _removable(request):  # each fact in turn
            partial = evaluate(_without(request, path), trace=False)
            if partial.outcome != "undetermined":
                assert full.outcome == partial.outcome, (path, full.outcome, partial.outcome)

    run()


def test_a_low_income_elder_without_a_birth_date_is_undetermined():
    """The directed form: the only category the person may be in needs the age."""
    request = {"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
               "person": {"hukou": {"region": "440511", "kind": "urban"},
                          "statuses": [{"kind": "low_income_household", "since": "2020-01-01"}]},
               "parameters": {"individual_premium": "320"}}
    decision = evaluate(request)
    assert ("undetermined", ["person.birth_date"]) == (decision.outcome, decision.missing)


def test_an_enrolment_that_does_not_say_who_paid_is_a_missing_fact():
    """Found by the missing-fact invariant: a record without ``paid_by`` was read as "not self-paid"."""
    request = {"city": "shantou", "as_of": "2021-09-20", "coverage_year": 2021,
               "person": {"birth_date": "1970-05-01", "hukou": {"region": "440511", "kind": "urban"},
                          "statuses": [{"kind": "dibao", "since": "2021-05-01"}],
                          "enrollments": [{"scheme": "resident_medical", "year": 2021, "paid_on": "2021-06-15"}]},
               "parameters": {"individual_premium": "320"}}
    decision = evaluate(request)
    # issue 11: who paid decides only the 五(二) mark, which is open; the outcome stands
    assert ("eligible", [], [("flags.registration_status_kept", ["person.enrollments[0].paid_by"])]) == (
        decision.outcome, decision.missing, [(p.part, p.needs) for p in decision.open])
