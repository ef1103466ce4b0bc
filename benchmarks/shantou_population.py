"""A deterministic population of Shantou requests for the engine comparison.

``population(1000)`` gives 1,000 request dicts in the library's request contract
(docs/contract.md): a seeded ``random.Random``, so every run and every engine sees the same
people. The mix is meant to look like a district's caseload, not to be uniform:

- hukou: about 80 % Shantou (``4405xx``, the seven districts and counties), the rest
  Guangzhou, Chaozhou, Jieyang, Shanwei, Meizhou or Xiamen; urban or rural;
- birth date given directly or through a valid 18-character ID number (about half each);
- statuses: dibao, tekun (dispersed or centralized in a city/county welfare home or town
  nursing home), orphan (dispersed or centralized), de-facto unsupported child, registered
  poor (with a poverty-exit state), low-income household (ages from children to the very
  old, sometimes with a serious illness), disability (grade 1-4, certificate valid, expired,
  or, for a few, not given: those are ``undetermined``), settled vagrant (placed by the city
  or a county), or nobody; about a fifth hold a second status (disability, serious illness,
  registered poor, dibao); some statuses have ended (``until``), many were granted in the
  application year, some after 1 September;
- ``as_of`` in 2020-2025; mostly mid-year enrolment (coverage year = application year,
  given or left to the default), some full-year enrolment for next year in the collection
  period (September-December), a few for a year already over (``enrollment_closed``);
- enrolments: some employee medical insurance (ended or still in force), some resident
  insurance records for the coverage year (paid by the person or by the government,
  before or during the year) or for other years;
- ``parameters.individual_premium``: the year's figure as a decimal string, missing for ~3 %.

Every request is accepted by ``eligibility.evaluate`` (the comparison checks it). Statuses are
granted no earlier than 2006: the mid-year deadlines (二(二)1) count working days from the
deciding status's ``since``, and for a status granted before 2004 (the first year of the
official calendar) ``evaluate`` raises CalendarError, e.g. a low-income household member
since 2002 who turns 60 in the application year.
``with_status_count(requests, k)`` gives the same people with exactly ``k`` statuses each
(the first one kept, the rest old ended statuses of varied kinds) for the growth figure.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

SEED = 20240611

LOCAL_REGIONS = ("440507", "440511", "440512", "440513", "440514", "440515", "440523")
OTHER_REGIONS = ("440106", "440304", "445102", "445202", "441502", "441402", "350203")
# the individual contribution to resident medical insurance in Guangdong, by coverage year (yuan)
PREMIUMS = {2019: "250", 2020: "280", 2021: "320", 2022: "350", 2023: "380", 2024: "400", 2025: "400",
            2026: "400"}
INSTITUTIONS = ("city_welfare_home", "county_welfare_home", "town_nursing_home")
DISEASES = ("malignant_tumor_treatment", "chronic_renal_failure_dialysis", "organ_transplant_antirejection",
            "hemophilia", "aplastic_anemia", "other")
SURNAMES = "陈林黄李张吴蔡郑许谢"

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

# (profile, weight): the person's main situation
PROFILES = (
    ("nobody", 12), ("dibao", 20), ("tekun", 8), ("orphan", 5), ("de_facto_unsupported_child", 4),
    ("registered_poor", 10), ("low_income_household", 13), ("disability", 12), ("disability_no_certificate", 2),
    ("settled_vagrant", 4),
)


def id_number(region: str, birth: dt.date, rng: random.Random) -> str:
    first17 = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def _birth(rng: random.Random, as_of: dt.date, low: int, high: int) -> dt.date:
    """A birth date giving an age in [low, high] on ``as_of``."""
    latest = dt.date(as_of.year - low, 1, 1) if low else as_of - dt.timedelta(days=30)
    earliest = dt.date(as_of.year - high - 1, 1, 1)
    born = _day(rng, earliest, min(latest, as_of))
    return born


def _since(rng: random.Random, as_of: dt.date) -> dt.date:
    """When a status was granted: often this year, sometimes long ago (never before 2006)."""
    roll = rng.random()
    if roll < 0.40:
        first = dt.date(as_of.year, 1, 1)
    elif roll < 0.75:
        first = dt.date(max(2006, as_of.year - 3), 1, 1)
    else:
        first = dt.date(2006, 1, 1)
    return _day(rng, first, as_of)


def _status(kind: str, rng: random.Random, as_of: dt.date, born: dt.date, *,
            certificate: bool = True) -> dict[str, Any]:
    since = max(_since(rng, as_of), born)
    status: dict[str, Any] = {"kind": kind, "since": since.isoformat()}
    if kind in ("tekun", "orphan"):
        if rng.random() < 0.55:
            status["care"] = "dispersed"
        else:
            status["care"] = "centralized"
            status["institution"] = rng.choice(INSTITUTIONS)
        if kind == "orphan" and rng.random() < 0.5:
            status["allowance"] = True
    elif kind == "registered_poor":
        status["poverty_exit"] = rng.choice(("not_exited", "exited", "stable_exit"))
    elif kind == "serious_illness":
        status["disease"] = rng.choice(DISEASES)
    elif kind == "disability":
        status["grade"] = rng.choice((1, 1, 2, 2, 2, 3, 4))
        status["type"] = rng.choice(("visual", "hearing", "physical", "intellectual", "mental", "multiple"))
        if certificate:
            # most certificates are valid on the day; some expired before it
            offset = rng.randrange(-900, 2500) if rng.random() < 0.2 else rng.randrange(30, 3000)
            status["certificate_valid_until"] = (as_of + dt.timedelta(days=offset)).isoformat()
    elif kind == "settled_vagrant":
        status["placed_by"] = rng.choice(("city", "county", "county"))
    if rng.random() < 0.08:  # the status has ended, maybe before the application
        until = _day(rng, since, as_of + dt.timedelta(days=200))
        status["until"] = until.isoformat()
    if rng.random() < 0.3:
        status["approved_by"] = rng.choice(LOCAL_REGIONS)
    return status


def _person(rng: random.Random, index: int) -> dict[str, Any]:
    profile = rng.choices([p for p, _ in PROFILES], [w for _, w in PROFILES])[0]
    # when and for which year
    as_of = _day(rng, dt.date(2020, 1, 1), dt.date(2025, 12, 31))
    roll = rng.random()
    if roll < 0.12:  # full-year enrolment for next year, in the collection period
        as_of = _day(rng, dt.date(as_of.year, 9, 1), dt.date(as_of.year, 12, 31))
        coverage_year: int | None = as_of.year + 1
    elif roll < 0.14:
        coverage_year = as_of.year - 1  # a year already over
    elif roll < 0.55:
        coverage_year = None  # the policy's default: the application year
    else:
        coverage_year = as_of.year
    # who
    local = rng.random() < 0.8
    region = rng.choice(LOCAL_REGIONS if local else OTHER_REGIONS)
    if profile in ("orphan", "de_facto_unsupported_child"):
        born = _birth(rng, as_of, 0, 17)
    elif profile == "low_income_household":
        born = _birth(rng, as_of, *rng.choice(((0, 17), (17, 19), (18, 59), (58, 62), (60, 95))))
    else:
        born = _birth(rng, as_of, 0, 95)
    person: dict[str, Any] = {"hukou": {"region": region, "kind": rng.choice(("urban", "rural"))}}
    if rng.random() < 0.5:
        person["id_number"] = id_number(region, born, rng)
        if rng.random() < 0.2:
            person["birth_date"] = born.isoformat()
    else:
        person["birth_date"] = born.isoformat()
    if rng.random() < 0.3:
        person["name"] = rng.choice(SURNAMES) + "某某"
    if rng.random() < 0.5:
        person["sex"] = rng.choice(("female", "male"))
    # statuses
    statuses: list[dict[str, Any]] = []
    if profile == "disability_no_certificate":
        statuses.append(_status("disability", rng, as_of, born, certificate=False))
        statuses[0]["grade"] = rng.choice((1, 2))
        statuses[0].pop("until", None)
    elif profile != "nobody":
        statuses.append(_status(profile, rng, as_of, born))
        if profile == "low_income_household" and rng.random() < 0.35:
            statuses.append(_status("serious_illness", rng, as_of, born))
        if rng.random() < 0.2:
            extra = rng.choice(("disability", "serious_illness", "registered_poor", "dibao"))
            statuses.append(_status(extra, rng, as_of, born))
    elif rng.random() < 0.1:  # not qualifying on its own
        statuses.append(_status("serious_illness", rng, as_of, born))
    if statuses:
        person["statuses"] = statuses
    # enrolments
    cy = coverage_year or as_of.year
    enrollments: list[dict[str, Any]] = []
    if rng.random() < 0.12:
        start = _day(rng, dt.date(2005, 1, 1), as_of)
        record: dict[str, Any] = {"scheme": "employee_medical", "from": start.isoformat()}
        if rng.random() < 0.6:  # it stopped, usually before the application
            record["to"] = _day(rng, start, as_of + dt.timedelta(days=120)).isoformat()
        if rng.random() < 0.5:
            record["region"] = region
        enrollments.append(record)
    roll = rng.random()
    if roll < 0.16:  # a resident insurance record for the coverage year
        if rng.random() < 0.35:  # paid in the previous collection period
            paid_on = _day(rng, dt.date(cy - 1, 9, 1), min(dt.date(cy - 1, 12, 31), as_of))
        else:
            paid_on = _day(rng, dt.date(cy, 1, 1), as_of) if as_of.year >= cy else as_of
        enrollments.append({"scheme": "resident_medical", "year": cy, "tier": rng.choice((1, 2)),
                            "paid_by": rng.choice(("self", "government")), "paid_on": paid_on.isoformat()})
    elif roll < 0.22:  # last year's record only
        enrollments.append({"scheme": "resident_medical", "year": cy - 1, "paid_by": rng.choice(("self", "government")),
                            "paid_on": _day(rng, dt.date(cy - 2, 9, 1), dt.date(cy - 2, 12, 31)).isoformat()})
    if enrollments:
        person["enrollments"] = enrollments
    request: dict[str, Any] = {"city": "shantou", "as_of": as_of.isoformat(), "person": person}
    if coverage_year is not None:
        request["coverage_year"] = coverage_year
    if rng.random() < 0.97:
        request["parameters"] = {"individual_premium": PREMIUMS[cy]}
    return request


def population(n: int = 1000, seed: int = SEED) -> list[dict[str, Any]]:
    """``n`` Shantou request dicts, the same for the same ``n`` and ``seed``."""
    rng = random.Random(seed)
    return [_person(rng, index) for index in range(n)]


_PADDING_KINDS = ("dibao", "tekun", "orphan", "de_facto_unsupported_child", "registered_poor",
                  "low_income_household", "serious_illness", "disability", "settled_vagrant")


def with_status_count(requests: list[dict[str, Any]], count: int, seed: int = SEED + 1) -> list[dict[str, Any]]:
    """The same people with exactly ``count`` statuses each: the person's first status (or a
    dibao granted on the application day for someone with none), then ``count - 1`` statuses
    of varied kinds that ended before the application, so the decisions hardly change while
    every rule has ``count`` records to look through."""
    rng = random.Random(seed)
    out = []
    for request in requests:
        person = dict(request["person"])
        as_of = dt.date.fromisoformat(request["as_of"])
        born = dt.date.fromisoformat(person["birth_date"]) if "birth_date" in person else dt.date(
            int(person["id_number"][6:10]), int(person["id_number"][10:12]), int(person["id_number"][12:14]))
        first = (person.get("statuses") or [{"kind": "dibao", "since": request["as_of"]}])[0]
        statuses = [first]
        for _ in range(count - 1):
            status = _status(rng.choice(_PADDING_KINDS), rng, as_of, born)
            since = dt.date.fromisoformat(status["since"])
            if since >= as_of - dt.timedelta(days=400):
                since = max(born, as_of - dt.timedelta(days=rng.randrange(400, 3000)))
                status["since"] = since.isoformat()
            status["until"] = _day(rng, since, as_of - dt.timedelta(days=370)).isoformat() \
                if since <= as_of - dt.timedelta(days=370) else since.isoformat()
            statuses.append(status)
        person["statuses"] = statuses
        out.append({**request, "person": person})
    return out
