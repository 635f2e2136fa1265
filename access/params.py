"""Reading request parameters that become database values, strictly.

`str.isdigit()` accepts "²" and "٣", which `int()` then refuses or reads; a 25-digit number
overflows SQLite's and PostgreSQL's 64-bit integers; PostgreSQL's text refuses NUL. Each of
these was a 500. A parameter that fails these checks is treated as absent (or refused with a
400 by the view), never passed on to the database.
"""

from __future__ import annotations

import math
import re

# The largest value of a 64-bit signed integer column (SQLite INTEGER, PostgreSQL bigint).
MAX_INTEGER = 2**63 - 1
ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def row_id(value: object) -> int | None:
    """A positive row id from ASCII digits that fits the database, else None."""
    if not isinstance(value, str) or not ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_INTEGER else None


def is_storable_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_INTEGER


def is_storable_float(value: object) -> bool:
    return isinstance(value, float) and math.isfinite(value)


def is_storable_text(value: object) -> bool:
    """Text every supported database can compare against: no NUL, no lone surrogate."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value
