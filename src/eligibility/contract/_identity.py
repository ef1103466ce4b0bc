"""Resident ID numbers (GB 11643): check character, birth date, and masking."""

from __future__ import annotations

import datetime as dt
import re

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    # the weights are 2**(17-i) mod 11, and 13 = 2 (mod 11): reading the digits in base 13
    # gives the weighted sum (halved) mod 11 in one C call
    return ID_CHECK_CHARACTERS[2 * int(first17, 13) % 11]


def id_problem(id_number: str) -> str | None:
    """Why ``id_number`` is not a valid 18-character ID, or None. Never quotes it."""
    if len(id_number) != 18:
        return f"must be 18 characters, got {len(id_number)}"
    # isascii: str.isdigit also takes "²" and full-width digits, which int() then refuses
    if not (id_number.isascii() and id_number[:17].isdigit() and (id_number[17].isdigit() or id_number[17] == "X")):
        return "must be 17 ASCII digits (0-9) followed by a digit or X; superscripts and full-width digits are not"
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
    """``张三丰`` -> ``张**``; a one-character name is all mask (``*``)."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)


# 18-character IDs (and the old 15-digit ones), in ASCII or full-width digits, however they
# are grouped: "4405 1119 7005 0100 22", "440511-19700501-0022" (one or two separators
# between digits; ".." or ", " break a run, so a list of dates is not taken for an ID)
_DIGIT = "[0-9０-９]"
_SEP = "[ \\t\\u00a0\\u3000_\\-\u2010\uff0d]{0,2}"
_ID_SHAPED = re.compile(f"(?<![0-9０-９]){_DIGIT}(?:{_SEP}{_DIGIT}){{14}}"
                        f"(?:(?:{_SEP}{_DIGIT}){{2}}{_SEP}[0-9０-９XxＸｘ])?(?![0-9０-９XxＸｘ])")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")


def _mask_shaped(match: re.Match[str]) -> str:
    compact = "".join(c for c in match.group().translate(_FULL_WIDTH) if c.isalnum())
    return mask_id(compact)


def scrub(text: str, secrets: tuple[str, ...] | list[str] = ()) -> str:
    """``text`` with every ID-shaped number masked and each of ``secrets`` (an ID, a name) masked.

    For messages that may quote what a caller typed: an ID or a name entered in the
    wrong field must not come back unmasked.
    """
    for secret in sorted((s.strip() for s in secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, mask_id(secret) if _ID_SHAPED.fullmatch(secret) else mask_name(secret))
    return _ID_SHAPED.sub(_mask_shaped, text)
