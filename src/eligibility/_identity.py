"""Resident ID numbers (GB 11643): check character, birth date, and masking."""

from __future__ import annotations

import datetime as dt

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS))
    return _CHECK[total % 11]


def id_problem(id_number: str) -> str | None:
    """Why ``id_number`` is not a valid 18-character ID, or None. Never quotes it."""
    if len(id_number) != 18:
        return f"must be 18 characters, got {len(id_number)}"
    if not id_number[:17].isdigit() or not (id_number[17].isdigit() or id_number[17] == "X"):
        return "must be 17 digits followed by a digit or X"
    if check_character(id_number[:17]) != id_number[17]:
        return "check character does not match (ISO 7064 MOD 11-2)"
    if id_birth_date(id_number) is None:
        return "digits 7-14 are not a real birth date"
    return None


def id_birth_date(id_number: str) -> dt.date | None:
    """The birth date encoded in digits 7-14, or None if they are not a date."""
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def mask_id(id_number: str) -> str:
    """``440511199001010022`` -> ``4405**********0022``: region prefix and last four only."""
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_name(name: str) -> str:
    """``张三丰`` -> ``张**``."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)
