"""Test patterns of a scope: shell-style lookup-key patterns, read the same in SQL and Python.

A pattern matches a test's whole lookup key, case-sensitively. `*` stands for any run of
characters (none included) and `?` for exactly one; every other character, `[`, `]`, `%`, `_`
and `\\` included, stands for itself. Character classes (`[abc]`) are not supported: lookup keys
hold brackets often enough that reading them literally surprises less than fnmatch would.

In SQL a pattern becomes a LIKE (PostgreSQL, case-sensitive, with `%`, `_` and `\\` escaped)
or a GLOB (SQLite, whose LIKE ignores case; `[`, `*` and `?` escaped as one-character
classes). Both are served by an index of the attempts' lookup key when the pattern starts with
literal characters: a prefix range on the index, instead of a scan. A pattern without
wildcards is an equality (access.scopes gathers those into one IN list).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db.models import CharField, Lookup, TextField

MAX_PATTERN_LENGTH = 255
WILDCARDS = "*?"


def validate_pattern(pattern: str) -> None:
    """Refuse what cannot be a test pattern, with what to write instead."""
    if not pattern or not pattern.strip():
        raise ValidationError("A test pattern cannot be empty; use * for every test.")
    if pattern != pattern.strip():
        raise ValidationError(f"The test pattern {pattern!r} starts or ends with a space.")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValidationError(f"A test pattern is at most {MAX_PATTERN_LENGTH} characters long.")
    if "\x00" in pattern:
        raise ValidationError("A test pattern cannot hold a NUL character.")


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """The pattern as a compiled regular expression for `fullmatch` (the SQL's twin)."""
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def matches(pattern: str, lookup_key: str) -> bool:
    """True when `lookup_key` is one of the pattern's tests (never for an empty key)."""
    return bool(lookup_key) and pattern_regex(pattern).fullmatch(lookup_key) is not None


def like_pattern(pattern: str) -> str:
    """The pattern for `LIKE ... ESCAPE '\\'`: the wildcards translated, the rest escaped."""
    out = []
    for char in pattern:
        if char == "*":
            out.append("%")
        elif char == "?":
            out.append("_")
        elif char in "%_\\":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def glob_pattern(pattern: str) -> str:
    """The pattern for SQLite's GLOB: the wildcards kept, GLOB's other specials made literal."""
    return "".join(f"[{char}]" if char == "[" else char for char in pattern)


@TextField.register_lookup
@CharField.register_lookup
class ScopePattern(Lookup):
    """`lookup_key__scope_pattern="biology-*"`: the column matches one test pattern."""

    lookup_name = "scope_pattern"

    def get_db_prep_lookup(self, value, connection):
        translate = glob_pattern if connection.vendor == "sqlite" else like_pattern
        return "%s", [translate(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if isinstance(self.rhs, str) and not any(char in WILDCARDS for char in self.rhs):
            # One test named in full: an equality, which every index of the column serves.
            return f"{lhs} = %s", [*lhs_params, self.rhs]
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "sqlite":
            return f"{lhs} GLOB {rhs}", [*lhs_params, *rhs_params]
        return f"{lhs} LIKE {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]
