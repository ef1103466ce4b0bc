"""Populations: synthetic ones for impact runs when an analyst has no data (SYNTHETIC: not real
people), and reading a population file (``read_population``: JSONL, CSV or Parquet).

Built on the library's own Hypothesis strategies (``eligibility.testing.requests``): for each
category of the city, and for people aimed at none, a pool of requests is drawn (seeded, so a
seed gives the same population); people are then drawn from the pools by the marginals below,
each adjusted where a marginal says so. Every person is a valid request for the city's
policy. IDs and names are left out (a synthetic person has none; ages are re-drawn).

Marginals (``Marginals``; ``eligibility population --marginals FILE.json`` takes the same keys):

- ``categories``: share of people drawn aimed at each category, and at ``none`` (people the
  policy finds not eligible); default: ``none`` 0.6, the rest split evenly over the categories;
- ``statuses``: share of people given a status of a kind (``{"distressed_child": 0.03}``), held
  since a day before ``as_of``: the statuses a reform may read that the city's categories do not;
- ``ages``: shares of age bands on ``as_of`` (``{"0-17": 0.2, "18-59": 0.5, "60-100": 0.3}``);
  absent: the ages drawn;
- ``local_hukou``: share with a hukou in the city (the others get one outside it); absent: as drawn;
- ``parameters``: ``keep`` (as drawn), ``drop`` (the policy's own values, or none), or a mapping of
  values every request supplies (``{"individual_premium": "320"}``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .language import Policy

SYNTHETIC_NOTE = ("synthetic population drawn by eligibility.population from the policy's own strategies: "
                  "not real people, no real IDs; its counts describe the marginals given, not a city")
POOL = 40                     # requests drawn per category (and for people aimed at none)
_OUTSIDE = ("110101", "310101", "330102")   # hukou regions outside a city (Beijing, Shanghai, Hangzhou)


@dataclass(frozen=True)
class Marginals:
    categories: dict[str, float] | None = None
    statuses: dict[str, float] = field(default_factory=dict)
    ages: dict[str, float] | None = None
    local_hukou: float | None = None
    parameters: str | dict[str, str] = "keep"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Marginals":
        unknown = set(data) - {"categories", "statuses", "ages", "local_hukou", "parameters"}
        if unknown:
            raise ValueError(f"unknown marginals: {', '.join(sorted(unknown))}")
        return cls(**data)


def _pools(policy: Policy, seed: int, size: int) -> dict[str, list[dict[str, Any]]]:
    """Requests drawn with the library's strategies, ``size`` per category and for ``none``."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as seeded

    from .testing import requests

    ids = sorted({rule.id for _, program in policy.places() for rule in program.categories})
    pools: dict[str, list[dict[str, Any]]] = {}
    for aim in ["none", *ids]:
        drawn: list[dict[str, Any]] = []
        strategy = requests(policy, outcome="not_eligible") if aim == "none" else requests(policy, category=aim)

        @seeded(seed)
        @settings(max_examples=size, database=None, phases=[Phase.generate], deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def collect(request: dict[str, Any]) -> None:
            drawn.append(request)

        collect()
        pools[aim] = drawn
    return pools


def population(policy: Policy, size: int, seed: int = 1, marginals: Marginals | None = None) -> Iterator[dict[str, Any]]:
    """``size`` synthetic requests for ``policy``'s city (see the module doc)."""
    marginals = marginals or Marginals()
    pools = _pools(policy, seed, POOL)
    aims = [aim for aim in pools if pools[aim]]
    shares = marginals.categories or {"none": 0.6, **{aim: 0.4 / max(1, len(aims) - 1) for aim in aims if aim != "none"}}
    weights = [shares.get(aim, 0.0) for aim in aims]
    draw = random.Random(seed)
    for _ in range(size):
        template = draw.choice(pools[draw.choices(aims, weights)[0]])
        yield _adjusted(template, policy, marginals, draw)


def _adjusted(template: dict[str, Any], policy: Policy, marginals: Marginals, draw: random.Random) -> dict[str, Any]:
    request = {**template, "person": {**template["person"]}}
    person = request["person"]
    person.pop("id_number", None)
    person.pop("name", None)
    as_of = dt.date.fromisoformat(request["as_of"])
    if marginals.ages:
        band = draw.choices(list(marginals.ages), list(marginals.ages.values()))[0]
        low, _, high = band.partition("-")
        age = draw.randint(int(low), int(high or 100))
        born = as_of.replace(year=as_of.year - age - 1, day=min(as_of.day, 28)) + dt.timedelta(days=draw.randint(1, 364))
        person["birth_date"] = born.isoformat()
    if marginals.local_hukou is not None and person.get("hukou"):
        local = draw.random() < marginals.local_hukou
        region = person["hukou"].get("region", "")
        if local != region.startswith(policy.region):
            person["hukou"] = {**person["hukou"], "region": _local(policy, draw) if local else draw.choice(_OUTSIDE)}
    for kind, share in marginals.statuses.items():
        if draw.random() < share:
            since = as_of - dt.timedelta(days=draw.randint(1, 700))
            person["statuses"] = [*person.get("statuses", []), {"kind": kind, "since": since.isoformat()}]
    if marginals.parameters == "drop":
        request.pop("parameters", None)
    elif isinstance(marginals.parameters, dict):
        request["parameters"] = dict(marginals.parameters)
    return request


def _local(policy: Policy, draw: random.Random) -> str:
    return (policy.region + "0" * 6)[:6] if len(policy.region) >= 6 else policy.region + f"{draw.randint(1, 9):02d}"[
        : 6 - len(policy.region)].ljust(6 - len(policy.region), "1")


def read_population(path: str | Path, *, parsed: bool = True) -> Iterator[tuple[int, Any]]:
    """(line or row number, request) for each request of a population file: JSONL, one request
    a line (with ``parsed=False`` the line's JSON text: ``impact`` parses it where it decides, and
    text travels between processes faster than a mapping); CSV or Parquet in the column layout
    of ``eligibility batch`` (docs/batch.md; the ``batch`` extra)."""
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".parquet", ".pq"):
        yield from _table_population(path, suffix)
        return
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                yield number, json.loads(line) if parsed else line


def _table_population(path: str | Path, suffix: str) -> Iterator[tuple[int, Any]]:
    """Requests of a CSV or Parquet file in the batch layout, numbered as rows (1: the first)."""
    from . import batch

    from . import _csv

    if suffix == ".csv":
        header = _csv.names(path)   # refused: names one inside another
        for number, row in enumerate(itertools.islice(_csv.rows(path), 1, None), 1):
            # a row of another number of cells than the header is refused, as a line that is not JSON is
            yield number, _csv.request(dict(zip(header, row))) if len(row) == len(header) else {}
        return
    import pyarrow.parquet as pq

    for number, row in enumerate(batch.flat_table(pq.read_table(path)).to_pylist(), 1):
        yield number, _csv.request({name: _cell(value) for name, value in row.items()})


def _cell(value: Any) -> Any:
    """A Parquet cell as the text (or list) a CSV cell of the same column would hold."""
    if value is None:
        return None
    if isinstance(value, list):   # the records' JSON, as a CSV cell holds it
        return json.dumps([{k: _plain(v) for k, v in item.items() if v is not None} if isinstance(item, dict)
                           else _plain(item) for item in value])
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _plain(value: Any) -> Any:
    """A value inside a record, as JSON writes it (dates as ISO text, decimals as text)."""
    if isinstance(value, (bool, int, float, str)):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
