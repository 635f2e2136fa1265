"""Removing a person's email and name from text kept elsewhere than on their attempt.

An erasure empties the attempt itself; the same address and name may also have been copied
into free text (an audit entry's summary, a search typed into a filter, an event's data).
`redact` replaces every occurrence, in any case, inside a string or a JSON value;
`mentioning` finds the rows worth rewriting without reading a whole table into Python.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any
from urllib.parse import quote, quote_plus

from django.db.models import Model, Q, QuerySet

ERASED = "[erased]"
# A name this short is also an ordinary word ("Al", "Bo"): it is removed where it sits next to
# the attempt it belonged to, never searched for across tables.
SHORTEST_SEARCHED_NAME = 3
# Needles per query: each becomes up to four forms in each field, and SQLite refuses an
# expression tree deeper than 1,000.
NEEDLES_PER_QUERY = 50


def needles_of(
    people: Iterable[tuple[str, str]], *, shortest: int = SHORTEST_SEARCHED_NAME
) -> list[str]:
    """The texts to remove for these (email, name) pairs: each email and each name at least
    `shortest` long, longest first (so a name inside an email goes with the email)."""
    found = set()
    for email, name in people:
        for text in (email.strip(), name.strip()):
            if len(text) >= shortest:
                found.add(text.lower())
    return sorted(found, key=lambda text: (-len(text), text))


def redact(value: Any, needles: list[str]) -> Any:
    """`value` (a string, or JSON: dicts, lists, strings) with every needle replaced by
    "[erased]", in any case, in its strings and its keys."""
    if not needles:
        return value
    forms = sorted({form for needle in needles for form in stored_forms(needle)}, key=len)
    pattern = re.compile("|".join(re.escape(form) for form in reversed(forms)), re.IGNORECASE)
    return _redact(value, pattern)


def _redact(value: Any, pattern: re.Pattern) -> Any:
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, dict):
        return {_redact(key, pattern): _redact(item, pattern) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(item, pattern) for item in value]
    return value


def mentioning(queryset: QuerySet, fields: list[str], needles: list[str]) -> list[Model]:
    """The rows of `queryset` whose `fields` (text or JSON) hold any needle, in any case."""
    found: dict[Any, Model] = {}
    if not needles:
        return []
    for start in range(0, len(needles), NEEDLES_PER_QUERY):
        chunk = needles[start : start + NEEDLES_PER_QUERY]
        conditions = [
            Q(**{f"{field}__icontains": form})
            for needle in chunk
            for form in stored_forms(needle)
            for field in fields
        ]
        for row in queryset.filter(reduce(or_, conditions)):
            found[row.pk] = row
    return list(found.values())


def stored_forms(needle: str) -> set[str]:
    """The needle as text, as JSON text stores it on SQLite (non-ASCII letters escaped), and
    URL-encoded as a query string carries it (an audited export keeps its search that way)."""
    return {needle, json.dumps(needle)[1:-1], quote(needle, safe=""), quote_plus(needle)}


def rewrite(rows: Iterable[Model], fields: list[str], needles: list[str]) -> int:
    """Replace the needles in these rows' `fields` and save the rows that changed."""
    changed = 0
    for row in rows:
        updates = {}
        for field in fields:
            before = getattr(row, field)
            after = redact(before, needles)
            if after != before:
                updates[field] = after
        if updates:
            type(row)._base_manager.filter(pk=row.pk).update(**updates)
            changed += 1
    return changed
