"""Hypothesis strategies for integrators: valid, realistic requests, and requests aimed at a rule.

::

    from hypothesis import given
    from eligibility.testing import from_request_schema, requests

    @given(from_request_schema())                 # any valid request for the bundled policies
    def test_never_raises(request): evaluate(request)

    @given(requests("shantou", category="dibao")) # a request in which that category holds
    def test_dibao(request): ...

Every strategy draws JSON-like mappings (dates as ISO strings, amounts as decimal strings),
as a calling system would send them. Arguments are checked when the first example is
drawn, and a bad one raises ``hypothesis.errors.InvalidArgument``. Hypothesis is the
``test`` extra; this module is imported only when a strategy is first used.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ..language import Policy, Program, Version
from ._drawing import (EARLIEST, LATEST, OUTCOMES, REGIONS, _Ref, _window_dates, from_request_schema, id_numbers,
                       regions, statuses)
from ._planning import aimed

__all__ = ["REGIONS", "from_request_schema", "id_numbers", "regions", "requests", "statuses"]


# --- requests aimed at a rule ----------------------------------------------------------------


def requests(policy: Policy | str, *, category: str | None = None, outcome: str | None = None,
             version: str | None = None, program: str | None = None, attempts: int = 40
             ) -> st.SearchStrategy[dict[str, Any]]:
    """Valid, complete requests for ``policy`` (a Policy or a bundled city id) aimed at a rule.

    ``category``: the category holds (it is among ``decision.categories``). ``outcome``: the
    decision has that outcome. Both may be given. The strategy builds the person from the
    policy's own conditions (statuses with the attributes a category tests, ages, hukou,
    enrolments, dates), then checks each draw with the evaluator itself and tries again, up
    to ``attempts`` times per example, when the policy decides otherwise; it never returns a
    request that misses its aim. ``version`` and ``program`` narrow where it aims.
    """
    def build() -> st.SearchStrategy[dict[str, Any]]:
        target = _resolve_policy(policy)
        if outcome is not None and outcome not in OUTCOMES:
            raise InvalidArgument(f"unknown outcome {outcome!r}; known: {', '.join(OUTCOMES)}")
        if not isinstance(attempts, int) or attempts < 1:
            raise InvalidArgument(f"attempts must be a positive integer, not {attempts!r}")
        places = _places(target, version, program, category)
        if outcome is not None:
            _check_reachable(target, places, outcome, category)
        # composites get the version's index and the program's name, never the compiled objects,
        # so Hypothesis' reprs of the strategies stay short
        keys = tuple((target.versions.index(v), name) for v, name, _ in places)
        return aimed(_Ref(target), keys, category, outcome, attempts)
    return st.deferred(build)


def _resolve_policy(policy: Policy | str) -> Policy:
    if isinstance(policy, Policy):
        return policy
    if isinstance(policy, str):
        from .. import bundled_policies

        found = bundled_policies().get(policy)
        if found is None:
            raise InvalidArgument(f"unknown city {policy!r}; bundled: {', '.join(bundled_policies().cities)}")
        return found
    raise InvalidArgument(f"policy must be a Policy or a city id, not {type(policy).__name__}")


def _places(policy: Policy, version: str | None, program: str | None, category: str | None
            ) -> list[tuple[Version, str, Program]]:
    """The (version, program) pairs to aim in, narrowed by the arguments."""
    places = [(v, p.name, p) for v, p in policy.places()
              if (version is None or v.id == version) and (program is None or p.name == program)
              and _window_dates(v) is not None]
    if version is not None and not any(v.id == version for v in policy.versions):
        raise InvalidArgument(f"{policy.city} has no version {version!r}; "
                              f"versions: {', '.join(v.id for v in policy.versions)}")
    if program is not None and program not in policy.programs:
        raise InvalidArgument(f"{policy.city} rules no program {program!r}; "
                              f"programs: {', '.join(sorted(policy.programs))}")
    if program is None and category is None:
        medical = [place for place in places if place[1] == "resident_medical"]
        places = medical or places
    if category is not None:
        known = sorted({c.id for _, _, p in places for c in p.categories})
        places = [place for place in places if any(c.id == category for c in place[2].categories)]
        if not places:
            raise InvalidArgument(f"{policy.city} has no category {category!r} in the versions and programs "
                                  f"aimed at; categories: {', '.join(known)}")
    if not places:
        raise InvalidArgument(f"{policy.city}: no version in force between {EARLIEST} and {LATEST} matches")
    return places


def _check_reachable(policy: Policy, places: list[tuple[Version, str, Program]], outcome: str,
                     category: str | None) -> None:
    if outcome == "referred":
        rules = [r for _, _, p in places for r in (*p.categories, *p.exclusions) if r.outcome == "referred"]
        if not rules:
            raise InvalidArgument(f"no category or exclusion of {policy.city} refers a person elsewhere: "
                                  "outcome='referred' cannot be reached")
    if category is not None and outcome == "no_policy_in_force":
        raise InvalidArgument("a category is only judged under a version in force: "
                              "outcome='no_policy_in_force' excludes category=")


