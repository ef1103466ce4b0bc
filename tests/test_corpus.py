"""The engine decides the frozen behaviour corpus (tests/corpus/) exactly as when it was frozen.

A deterministic sample (every ``STEP``-th request, plus every request taken from a YAML
case or an example) is evaluated again: a request that was refused must be refused with
the same ``[path, code]`` issues; any other must give the same decision (its JSON without
the trace) and the same trace projected by ``trace_projection``. The sample is split into
``CHUNKS`` tests so a failure says where; each lists every request of its chunk that now
decides differently, with its index (the line in the corpus files), its source and the
keys that differ. A deliberate change of behaviour means regenerating the corpus
(``python tests/corpus/freeze.py``, see tests/corpus/README.md) and listing the change in
CHANGELOG.md. Only public names of ``eligibility`` are used.
"""

from __future__ import annotations

import json
import lzma
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from eligibility import RequestError, evaluate


def trace_projection(decision: Any) -> list[list[Any]]:
    """What of the trace is compared: per step, the rule, its kind, the clause cited and the result.

    Adapt this (and its copy in tests/corpus/freeze.py) when the trace format changes on purpose.
    """
    # schema 2.0: a step names its rule by kind and id (``path`` joins them as 1.0 did) and its
    # result is a boolean or null
    return [[step.path, step.kind, step.clause, _TRI[step.result]] for step in decision.trace]


_TRI = {True: "true", False: "false", None: "unknown"}
# decision fields changed on purpose since the corpus was frozen (CHANGELOG.md): left out of the comparison
# (issue 11: `questions` is new and found by deciding again; tests/test_partial.py checks it)
CHANGED = {"schema_version", "questions"}


# issue 12: mid-year deadlines are anchored on the day the person qualified in the primary
# category (a 60th birthday, a serious illness), not on a low-income status granted earlier
RE_ANCHORED = {21616: ("2021-10-09", "2021-10-22"), 21620: ("2021-02-19", "2021-03-04")}


def re_anchored(index: int, frozen: dict[str, Any]) -> dict[str, Any]:
    if index not in RE_ANCHORED or "decision" not in frozen:
        return frozen
    deadlines = [{**d, "due": due} for d, due in zip(frozen["decision"]["deadlines"], RE_ANCHORED[index])]
    deadlines += frozen["decision"]["deadlines"][len(RE_ANCHORED[index]):]
    return {**frozen, "decision": {**frozen["decision"], "deadlines": deadlines}}


# issue 15: a department is a code of the policy, no longer its Chinese name
DEPARTMENT_CODES = {"卫健委": "health_commission", "退役军人事务局": "veterans_affairs"}
# issue 15: the main reason is the most decisive reason, the first listed among equals
DECISIVE = {"no_policy_in_force": 0, "enrollment_closed": 0, "precondition_failed": 1, "excluded": 2,
            "category_not_met": 3}


def main_reason(expected: dict[str, Any]) -> dict[str, Any] | None:
    if expected["outcome"] in ("eligible", "undetermined") or not expected.get("reasons"):
        return None
    return min(expected["reasons"], key=lambda reason: DECISIVE[reason["code"]])


def frozen_as_now(request: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """The frozen decision with the changes made on purpose since it was frozen (CHANGELOG.md):
    issue 12: with an ID number, the birth date it encodes is not shown beside the masked ID;
    ``open_deadlines`` is a new field (none in the frozen decisions); issue 15: ``referred_to``
    is a department code, and ``main_reason`` is a new field."""
    expected = {**expected, "open_deadlines": expected.get("open_deadlines", []),
                "referred_to": DEPARTMENT_CODES.get(expected.get("referred_to"), expected.get("referred_to"))}
    # issue 11: a deadline already past on as_of is marked; open parts and applied defaults are new fields
    as_of = expected["as_of"]
    # an inverted benefit period (a December registration) is now none, with a note
    start, end, note = expected.get("benefit_start"), expected.get("benefit_end"), expected.get("benefit_note")
    if start and end and start > end:
        start = end = None
        note = "no_benefit_days_in_coverage_year"
    expected = {**expected, "benefit_start": start, "benefit_end": end, "benefit_note": note,
                "open": expected.get("open", []), "defaults": expected.get("defaults", []),
                "deadlines": [{**d, "passed": d.get("passed", d["due"] < as_of)} for d in expected["deadlines"]]}
    expected["main_reason"] = main_reason(expected)
    person = request.get("person")
    if not (isinstance(person, dict) and person.get("id_number")) or not expected.get("reasons"):
        return expected
    reasons = [{**reason, "message": re.sub(r"person\.birth_date=[0-9]{4}-[0-9]{2}-[0-9]{2}",
                                            "person.birth_date=from person.id_number", reason["message"])}
               for reason in expected["reasons"]]
    return {**expected, "reasons": reasons, "main_reason": main_reason({**expected, "reasons": reasons})}


CORPUS = Path(__file__).parent / "corpus"
REQUESTS_FILE = CORPUS / "requests.jsonl.xz"
DECISIONS_FILE = CORPUS / "decisions.jsonl.xz"
STEP = 10  # every STEP-th request is evaluated again, and every case and example request
CHUNKS = 20
ALWAYS = ("case:", "example:")  # sources always in the sample
SHOWN = 5  # mismatches shown in full per chunk
WIDTH = 160  # characters of a value shown in a diff


def _lines(path: Path) -> list[str]:
    with lzma.open(path, "rt", encoding="utf-8") as file:
        return file.read().splitlines()


@lru_cache(maxsize=1)
def corpus() -> tuple[list[str], dict[int, dict[str, Any]], list[int]]:
    """The request lines, the frozen records of the sample by index, and the sample's indices.

    Only the sample is parsed: a line is a candidate for ``ALWAYS`` when its text holds a
    ``"source":"case:`` (JSON escapes any quote inside a string, so no value can fake one),
    and the parsed record decides.
    """
    requests, lines = _lines(REQUESTS_FILE), _lines(DECISIONS_FILE)
    assert len(requests) == len(lines), f"{len(requests)} requests but {len(lines)} decisions"
    marks = tuple(f'"source":"{prefix}' for prefix in ALWAYS)
    records = {i: json.loads(line) for i, line in enumerate(lines)
               if i % STEP == 0 or any(mark in line for mark in marks)}
    sample = [i for i, record in records.items()
              if i % STEP == 0 or record.get("source", "").startswith(ALWAYS)]
    return requests, records, sample


def chunk(k: int) -> list[int]:
    sample = corpus()[2]
    size, extra = divmod(len(sample), CHUNKS)
    start = k * size + min(k, extra)
    return sample[start:start + size + (k < extra)]


# --- comparing ------------------------------------------------------------------------------------


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= WIDTH else text[:WIDTH - 1] + "…"


def diff(expected: Any, actual: Any, path: str = "") -> list[str]:
    """``path: expected -> actual`` for each differing leaf (lists of different length as a whole)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        lines = []
        for key in sorted(set(expected) | set(actual)):
            where = f"{path}.{key}" if path else str(key)
            if key not in actual:
                lines.append(f"{where}: {_short(expected[key])} -> (absent)")
            elif key not in expected:
                lines.append(f"{where}: (absent) -> {_short(actual[key])}")
            else:
                lines += diff(expected[key], actual[key], where)
        return lines
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [line for i, (e, a) in enumerate(zip(expected, actual)) for line in diff(e, a, f"{path}[{i}]")]
    return [] if expected == actual else [f"{path or '<value>'}: {_short(expected)} -> {_short(actual)}"]


def trace_diff(expected: list[list[Any]], actual: list[list[Any]]) -> list[str]:
    """The first step that differs (and the lengths, when they differ)."""
    for i, (e, a) in enumerate(zip(expected, actual)):
        if e != a:
            head = f"trace: {len(expected)} -> {len(actual)} steps; " if len(expected) != len(actual) else "trace: "
            return [f"{head}first difference at step {i}: {_short(e)} -> {_short(a)}"]
    if len(expected) != len(actual):
        extra = expected[len(actual)] if len(expected) > len(actual) else actual[len(expected)]
        return [f"trace: {len(expected)} -> {len(actual)} steps; step {min(len(expected), len(actual))}: "
                f"{_short(extra)} {'dropped' if len(expected) > len(actual) else 'added'}"]
    return []


def differences(request: dict[str, Any], frozen: dict[str, Any], index: int | None = None) -> list[str]:
    """How deciding ``request`` now differs from the frozen record; empty when it does not.
    ``index``: its line, for a decision re-decided on purpose since the freeze (``REDECIDED``)."""
    try:
        decision = evaluate(request, trace=True)
    except RequestError as error:
        issues = sorted([issue.path, issue.code] for issue in error.issues)
        if "error" in frozen:
            return [] if issues == frozen["error"] else [f"RequestError issues: {_short(frozen['error'])} -> "
                                                          f"{_short(issues)}"]
        return [f"was decided ({frozen['decision']['outcome']}), now RequestError {_short(issues)}"]
    except Exception as error:  # noqa: BLE001 - reported with the others of the chunk
        return [f"now raises {type(error).__name__}: {str(error)[:WIDTH]}"]
    if "error" in frozen:
        return [f"was RequestError {_short(frozen['error'])}, now decided ({decision.outcome})"]
    settled = now_settled(request, frozen["decision"], decision)
    if settled is not None:
        return settled or redecided(index, decision)
    doubted = now_doubted(frozen, decision)
    if doubted is not None:
        return doubted or redecided(index, decision)
    expected = frozen_as_now(request, {key: value for key, value in frozen["decision"].items() if key not in CHANGED})
    # issue 11: a decided outcome lists the categories it left unknown as open parts: exactly those
    # the frozen trace shows unknown
    ungated(request, expected, decision)
    unknown = [step[0] for step in frozen["trace"] if step[1] == "category" and step[3] == "unknown"]
    expected["open"] = [part.model_dump(mode="json") for part in decision.open
                        if part.part in unknown] + expected["open"]
    return (diff(expected, decision.model_dump(mode="json", exclude={"trace", *CHANGED}))
            + trace_diff(ungated_trace(frozen["trace"], decision), trace_projection(decision)))


# issue 11: Shaoguan's tier is 1 when the request does not choose (412号 附件3·二), a default the text sets
TIER_DEFAULT = {"clause": "附件3·二", "fact": "choices.tier", "value": 1,
                "label": "特殊人群统一按一档标准参保；需要选择二档缴费的，须按家庭参保申报模式办理并向民政或残联部门报备（六2），未选择即为一档"}


def defaulted(request: dict[str, Any], frozen: dict[str, Any]) -> dict[str, Any]:
    """The frozen record with Shaoguan's tier default applied where the request leaves the tier
    out: listed in ``defaults`` and traced right after the version (once a version rules it)."""
    choices = request.get("choices")
    if (request.get("city") != "shaoguan" or "decision" not in frozen or not frozen["trace"]
            or frozen["trace"][0][3] != "true" or (isinstance(choices, dict) and choices.get("tier") is not None)
            or (len(frozen["trace"]) > 1 and frozen["trace"][1][1] == "coverage" and frozen["trace"][1][3] == "false")):
        return frozen  # no version, a tier chosen, or a coverage year not ruled: no rule is evaluated
    trace = [frozen["trace"][0], ["choices.tier", "default", "附件3·二", "true"]] + [
        [*step[:3], "false"] if step[0] == "exclusions.tier2_household" else step for step in frozen["trace"][1:]]
    missing = [fact for fact in frozen["decision"]["missing"] if fact != "choices.tier"]
    return {**frozen, "trace": trace, "decision": {**frozen["decision"], "defaults": [TIER_DEFAULT], "missing": missing}}


# issue 11 item 6: these outputs dropped their deadline once it had passed; now they keep it, marked passed
UNGATED = {("zhengzhou", rule) for rule in ("registration_deadline", "marking_deadline", "reporting_deadline",
                                            "card_making_deadline")} | {
    ("songming", rule) for rule in ("verification_deadline", "payment_deadline")}


def ungated(request: dict[str, Any], expected: dict[str, Any], decision: Any) -> None:
    """Add to ``expected`` the deadlines of ``UNGATED`` outputs the frozen decision dropped: only
    deadlines due on or before ``as_of``, each marked passed unless due that very day."""
    city, as_of = decision.city, decision.as_of
    have = {(d["action"], d["due"]) for d in expected["deadlines"]}
    added = [d.model_dump(mode="json") for d in decision.deadlines
             if (city, d.rule) in UNGATED and (d.action, d.due.isoformat()) not in have and d.due <= as_of
             and d.passed == (d.due < as_of)]
    if added:
        expected["deadlines"] = sorted(expected["deadlines"] + added, key=lambda d: (d["due"], d["action"]))


def ungated_trace(frozen_trace: list[list[Any]], decision: Any) -> list[list[Any]]:
    """The frozen trace with the ``UNGATED`` outputs that now apply shown as applying."""
    now = {d.rule for d in decision.deadlines if (decision.city, d.rule) in UNGATED}
    return [[*step[:3], "true"] if step[1] == "output" and step[0].split(".", 1)[1] in now else step
            for step in frozen_trace]


SHAOGUAN_2016_PREMIUM = ("韶人社函〔2016〕287号三只规定“按照城乡居民医保缴费标准做好经费安排”，未载明金额；所附412号（附件3·二）的60元/人.年为"
                         "2014年度一档标准，287号一只引用其经办流程；由调用方在 request.parameters.tier1_premium 中提供")


def premium_supplied(frozen: dict[str, Any]) -> dict[str, Any]:
    """Issue 11: under Shaoguan's 2016 notice the tier-1 premium is the caller's (287号 三 states no
    figure); the frozen decisions used 412号's 2014 figure of 60 yuan."""
    decision = frozen.get("decision")
    if (not decision or decision["city"] != "shaoguan" or not decision.get("policy")
            or decision["policy"]["version"] != "2016" or not decision.get("subsidy")
            or decision["subsidy"]["premium_source"] != "policy"):
        return frozen
    subsidy = {**decision["subsidy"], "amount": None, "premium": None, "premium_source": "missing",
               "premium_effective_from": None, "premium_citation": SHAOGUAN_2016_PREMIUM,
               "note": "the premium (tier1_premium) is not stated by the policy and was not supplied in "
                       "request.parameters; the amount is unknown"}
    trace = [[*step[:3], "unknown"] if step[0] == "subsidy" else step for step in frozen["trace"]]
    return {**frozen, "trace": trace, "decision": {**decision, "subsidy": subsidy}}


def decided_by_cases(request: dict[str, Any], decision: Any, fact: str) -> bool:
    """Whether ``decision``'s outcome is the outcome, or still unknown, under every value the request
    contract allows for ``fact`` (a status attribute), and is the outcome under one of them."""
    from eligibility.contract import STATUS_ATTRIBUTES

    if not fact.startswith("person.statuses["):
        return False
    index, name = int(fact.split("[", 1)[1].split("]", 1)[0]), fact.rsplit(".", 1)[1]
    kind = request["person"]["statuses"][index]["kind"]
    values = STATUS_ATTRIBUTES[kind].get(name, (None, None))[1]
    if not values:
        return False
    outcomes = set()
    for value in values:
        changed = json.loads(json.dumps(request))
        changed["person"]["statuses"][index][name] = value
        outcomes.add(evaluate(changed, trace=False).outcome)
    return decision.outcome in outcomes and outcomes <= {decision.outcome, "undetermined"}


def now_doubted(frozen: dict[str, Any], decision: Any) -> list[str] | None:
    """Issue 11 (found by the partial-decision property test): an exclusion that holds no longer
    decides while a precondition (or an exclusion before it) is unknown that would decide
    otherwise (Songming: a local hukou unknown after the 22 February cut-off is not_eligible or
    enrollment_closed). Such a decision, frozen decided and now undetermined, must have had an
    unknown precondition or exclusion, and must now name what it lacks. None when the frozen
    decision is not such a one."""
    if frozen["decision"]["outcome"] == "undetermined" or decision.outcome != "undetermined":
        return None
    unknown = [step for step in frozen["trace"] if step[1] in ("precondition", "exclusion") and step[3] == "unknown"]
    problems = [] if unknown else ["now undetermined, but no precondition or exclusion was unknown"]
    return problems + ([] if decision.missing else ["undetermined without a missing fact"])


REDECIDED_FILE = Path(__file__).parent / "corpus" / "redecided.json"


@lru_cache(maxsize=1)
def redecided_records() -> dict[str, Any]:
    return json.loads(REDECIDED_FILE.read_text(encoding="utf-8"))["records"]


def redecided(index: int | None, decision: Any) -> list[str]:
    """A decision frozen undetermined and now decided (``now_settled``), or the other way
    (``now_doubted``), has no frozen value to compare its fields with once it is judged
    legitimate: it is compared with the decision it was re-decided to when that was reviewed
    (``tests/corpus/redecided.json``, written by ``tests/corpus/redecide.py``), field by field
    and trace step by step, so that its amounts, flags and deadlines are checked as the others' are."""
    kept = redecided_records().get(str(index))
    if kept is None:
        return [f"re-decided ({decision.outcome}) but not in {REDECIDED_FILE.name}: review it, then run "
                "`python tests/corpus/redecide.py` (tests/corpus/README.md)"]
    return (diff(kept["decision"], decision.model_dump(mode="json", exclude={"trace", *CHANGED}))
            + trace_diff(kept["trace"], trace_projection(decision)))


def now_settled(request: dict[str, Any], frozen: dict[str, Any], decision: Any) -> list[str] | None:
    """Issue 11: a decision frozen ``undetermined`` only because a part (a flag, a deadline,
    the tier) lacked a fact is now decided, with that part open. Such a decision is checked
    for what makes it legitimate: every fact the frozen decision lacked is needed by an open
    part or settled by a default the text sets, and the outcome is no longer missing any.
    None when the frozen decision is not such a one (compared as usual)."""
    if frozen["outcome"] != "undetermined" or decision.outcome == "undetermined":
        return None
    accounted = {fact for part in decision.open for fact in part.needs} | {d.fact for d in decision.defaults}
    # decided by cases (every value of a yes/no or enumerated fact gives this outcome): checked here
    # one fact deep, the property tests (tests/test_partial.py) check it whatever the depth
    accounted |= {fact for fact in frozen["missing"] if decided_by_cases(request, decision, fact)}
    unaccounted = sorted(set(frozen["missing"]) - accounted)
    problems = [f"now {decision.outcome}, but no open part or default accounts for {unaccounted}"] if unaccounted else []
    # what the frozen decision did settle still holds: its version and year, and every category it
    # found holding holds now or is open (a category the cases split on)
    opened = {part.part for part in decision.open}
    now = {c.id for c in decision.categories}
    lost = [c["id"] for c in frozen["categories"] if c["id"] not in now and f"categories.{c['id']}" not in opened]
    problems += [f"categories held when frozen, now neither held nor open: {lost}"] if lost else []
    if (frozen["policy"] or {}).get("version") != (decision.policy.version if decision.policy else None) or (
            frozen["coverage_year"] != decision.coverage_year):
        problems.append("version or coverage year changed")
    return problems + ([f"missing: {decision.missing}"] if decision.missing else [])


# --- the tests ------------------------------------------------------------------------------------


def test_every_redecided_record_is_sampled_and_still_redecided():
    """``redecided.json`` holds no stale record: each is in the sample, and is still one the
    engine re-decides (frozen undetermined and now decided, or the other way)."""
    requests, records, sample = corpus()
    kept = redecided_records()
    assert kept and set(map(int, kept)) <= set(sample)
    for index in map(int, kept):
        request = json.loads(requests[index])
        frozen = as_now(index, request, records[index])
        decision = evaluate(request, trace=True)
        assert now_settled(request, frozen["decision"], decision) is not None or \
            now_doubted(frozen, decision) is not None, index


def test_the_corpus_is_whole():
    requests, records, sample = corpus()
    assert len(requests) >= 20_000
    assert all(("decision" in r and "trace" in r) != ("error" in r) for r in records.values())
    assert sum(records[i]["source"].startswith(ALWAYS) for i in sample) > 0
    assert sorted(set(sample)) == sorted(i for k in range(CHUNKS) for i in chunk(k))


def as_now(index: int, request: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """The frozen record with the changes made on purpose since (issues 11 and 12)."""
    return premium_supplied(defaulted(request, re_anchored(index, record)))


@pytest.mark.parametrize("k", range(CHUNKS), ids=lambda k: f"chunk{k:02d}")
def test_the_engine_decides_the_corpus_as_frozen(k):
    requests, records, _ = corpus()
    indices = chunk(k)
    failures = []
    for index in indices:
        request = json.loads(requests[index])
        found = differences(request, as_now(index, request, records[index]), index)
        if found:
            failures.append((index, found))
    if failures:
        report = [f"{len(failures)} of the {len(indices)} requests of chunk {k} "
                  f"(corpus lines {indices[0]}..{indices[-1]}) decide differently from the frozen corpus:"]
        for index, found in failures[:SHOWN]:
            report.append(f"  request {index} ({records[index].get('source')}):")
            report += [f"    {line}" for line in found[:12]]
            if len(found) > 12:
                report.append(f"    ... and {len(found) - 12} more differences")
        if len(failures) > SHOWN:
            report.append(f"  ... and requests {', '.join(str(i) for i, _ in failures[SHOWN:SHOWN + 30])}"
                          f"{' ...' if len(failures) > SHOWN + 30 else ''}")
        report.append("A deliberate change: regenerate with `python tests/corpus/freeze.py` (tests/corpus/README.md) "
                      "and list it in CHANGELOG.md.")
        pytest.fail("\n".join(report), pytrace=False)
