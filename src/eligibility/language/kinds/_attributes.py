"""The attribute tests of a ``status`` condition, checked against the request contract: an
attribute every listed kind carries, with values a request can hold (a misspelt value is a
load error with did-you-mean, never a test that cannot match)."""

from __future__ import annotations

from typing import Any

from ...contract import STATUS_ATTRIBUTES
from ..issues import did_you_mean as _did_you_mean
from ._base import CompileContext, one_or_many


def attribute_tests(kinds: tuple[str, ...], extra: dict[str, Any], path: tuple, cx: CompileContext
                    ) -> tuple[list[tuple[str, frozenset[Any]]], bool]:
    """(attribute as written, allowed values) for each attribute of the condition, and whether
    all were sound (each problem reported on ``cx``)."""
    ok = True
    tests = []
    for name, value in extra.items():
        carried = [STATUS_ATTRIBUTES[k].get(name) for k in kinds]
        if any(c is None or c[1] is None for c in carried):
            without = [k for k, c in zip(kinds, carried) if c is None or c[1] is None]
            allowed = sorted(set.intersection(*[{a for a, (_, values) in STATUS_ATTRIBUTES[k].items() if values}
                                                 for k in kinds]))
            cx.error(path + (name,), "unknown_key",
                     f"status {'/'.join(without)} carries no attribute {name!r}",
                     f"{_did_you_mean(name, allowed)}attributes every listed kind carries: "
                     f"{', '.join(allowed) or 'none'}")
            ok = False
            continue
        values = carried[0][1]
        allowed_values = set(values)
        for other in carried[1:]:
            allowed_values &= set(other[1])
        checked = []
        for i, item in enumerate(one_or_many(value)):
            if isinstance(item, (dict, list)) or not _is_value(item, allowed_values):
                shown = ", ".join(str(v).lower() if isinstance(v, bool) else str(v)
                                  for v in sorted(allowed_values, key=str))
                cx.error(path + ((name, i) if isinstance(value, list) else (name,)), "bad_value",
                         f"{name} {item!r} is not a value a request can hold",
                         f"{_did_you_mean(item, [str(v) for v in allowed_values])}use one of: {shown}"
                         + (" (numbers unquoted)" if isinstance(item, str) and item.isdigit() else ""))
                ok = False
            else:
                checked.append(item)  # only values a request can hold (a mapping is not even hashable)
        tests.append((name, frozenset(checked)))
    return tests, ok


def _is_value(item: Any, allowed: set[Any]) -> bool:
    # 1 == True in Python: a bool is only a yes/no value, a number only a number
    return not isinstance(item, (dict, list)) and any(
        item == v and isinstance(item, bool) == isinstance(v, bool) for v in allowed)


