"""One fact of a request, by its path: read it, or a request with it set.

Paths are the ones decisions report (``missing``, ``open[].needs``): ``choices.tier``,
``person.social_security_card``, ``person.hukou.region``, ``person.statuses[2].area``,
``person.enrollments[0].paid_by``. Defaults the law sets, questions and what-if branches
all change a request through here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from ._decision import build_model
from ._records import Hukou
from ._request import Request

_STEP = re.compile(r"([a-z_]+)(?:\[([0-9]+)\])?")


@lru_cache(maxsize=4096)
def _steps(path: str) -> tuple[tuple[str, int | None], ...]:
    steps = []
    for part in path.split("."):
        found = _STEP.fullmatch(part)
        if found is None:
            raise KeyError(path)
        steps.append((found.group(1), int(found.group(2)) if found.group(2) is not None else None))
    return tuple(steps)


def _attribute(model: BaseModel, name: str) -> str:
    """The model field a request path's name stands for (``class`` is the field ``class_``)."""
    return field_of(type(model), name)


@lru_cache(maxsize=1024)
def field_of(cls: type[BaseModel], name: str) -> str:
    fields = cls.model_fields
    if name in fields:
        return name
    for field_name, info in fields.items():
        if info.alias == name:
            return field_name
    raise KeyError(name)


def fact_value(request: Request, path: str) -> Any:
    """The value of the fact at ``path`` (None when it is not given)."""
    value: Any = request
    for name, index in _steps(path):
        if value is None:
            return None
        value = getattr(value, _attribute(value, name))
        if index is not None:
            value = value[index] if index < len(value) else None
    return value


def with_fact(request: Request, path: str, value: Any) -> Request:
    """``request`` with the fact at ``path`` set to ``value`` (already of the field's type)."""
    return _set(request, _steps(path), value)


def _set(model: Any, steps: tuple[tuple[str, int | None], ...], value: Any) -> Any:
    (name, index), rest = steps[0], steps[1:]
    if model is None and name in ("region", "kind"):
        model = Hukou()
    field_name = _attribute(model, name)
    current = getattr(model, field_name)
    if index is None:
        new = _set(current, rest, value) if rest else value
    else:
        items = list(current)
        items[index] = _set(items[index], rest, value) if rest else value
        new = tuple(items)
    # every field given, none validated again (the value is of the field's type): the fast path
    return build_model(type(model), **{**model.__dict__, field_name: new})


def fact_pattern(path: str) -> str:
    """A path with its indexes left out: ``person.statuses[2].area`` -> ``person.statuses[].area``."""
    return re.sub(r"\[[0-9]+\]", "[]", path)


__all__ = ["fact_pattern", "fact_value", "field_of", "with_fact"]
