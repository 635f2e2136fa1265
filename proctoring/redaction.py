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
from functools import lru_cache, reduce
from operator import or_
from typing import Any
from urllib.parse import quote, quote_plus

from django.db.models import Model, Q, QuerySet, TextField
from django.db.models.functions import Cast

ERASED = "[erased]"
# A name this short is also an ordinary word ("Al", "Bo"): it is removed where it sits next to
# the attempt it belonged to, never searched for across tables.
SHORTEST_SEARCHED_NAME = 3
# Needles per query: each becomes up to four forms in one pattern, and PostgreSQL refuses a
# regular expression past a certain size ("too complex").
NEEDLES_PER_QUERY = 50
PUNCTUATION = re.compile(r"[^\w]")


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
    """The rows of `queryset` whose `fields` (text or JSON) hold any needle, in any case.

    Each field is searched with one case-insensitive pattern of every form of every needle,
    not one LIKE per form: the database reads each row's text once (and PostgreSQL turns a
    JSON value into text once), and the query stays small enough to plan in no time.
    """
    found: dict[Any, Model] = {}
    if not needles:
        return []
    texts = {f"_{field}_text": Cast(field, TextField()) for field in fields}
    for start in range(0, len(needles), NEEDLES_PER_QUERY):
        pattern = _any_of(tuple(needles[start : start + NEEDLES_PER_QUERY]))
        matches = reduce(or_, (Q(**{f"{text}__iregex": pattern}) for text in texts))
        for row in queryset.alias(**texts).filter(matches):
            found[row.pk] = row
    return list(found.values())


@lru_cache(maxsize=16)  # one erasure searches several tables for the same needles
def _any_of(needles: tuple[str, ...]) -> str:
    """A regular expression matching any stored form of any of these needles, longest first."""
    alternatives = {
        alternative
        for needle in needles
        for alternative in (
            *(_escaped(form) for form in stored_forms(needle) - {_json_escaped(needle)}),
            _json_escaped_in_any_case(needle),
        )
    }
    return "|".join(sorted(alternatives, key=lambda alternative: -len(alternative)))


def _escaped(text: str) -> str:
    """Only punctuation is escaped, with a backslash, which PostgreSQL's and Python's regular
    expressions both read as the character itself."""
    return PUNCTUATION.sub(r"\\\g<0>", text)


def _json_escaped(text: str) -> str:
    return json.dumps(text)[1:-1]


def _json_escaped_in_any_case(needle: str) -> str:
    """The needle as JSON text stores it on SQLite, in any case: "é" is kept as "\\u00e9" and
    "É" as "\\u00c9", which no case-insensitive match of one against the other finds."""
    if needle.isascii():
        return _escaped(_json_escaped(needle))
    pieces = []
    for character in needle:
        cases = {_json_escaped(variant) for variant in (character.lower(), character.upper())}
        if character.isascii() or len(cases) == 1:  # the pattern ignores an ASCII letter's case
            pieces.append(_escaped(_json_escaped(character)))
        else:
            pieces.append("(?:" + "|".join(sorted(_escaped(case) for case in cases)) + ")")
    return "".join(pieces)


def stored_forms(needle: str) -> set[str]:
    """The needle as text, as JSON text stores it on SQLite (non-ASCII letters escaped), and
    URL-encoded as a query string carries it (an audited export keeps its search that way)."""
    return {needle, _json_escaped(needle), quote(needle, safe=""), quote_plus(needle)}


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
