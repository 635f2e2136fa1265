"""OIDC_ROLE_MAP: which of the provider's groups give which dashboard role, on which tests.

The setting is a list of entries separated by `;`, each `GROUP=ROLE` or
`GROUP=ROLE:PATTERN,PATTERN`:

    exam-office=Test admin; course-bio101-staff=Proctor:bio101-*,bio101/*

A group name is matched exactly as the provider sends it (it may itself hold `=` or `,`, as an
LDAP name does: the role starts after the last `=`). A role is one of access.roles.ROLES (in any
case). Patterns are test lookup-key patterns (access.patterns); none means every test. A group
may appear in several entries, several groups may give one role: a person's patterns for a role
are the union of their groups' patterns, and one entry without patterns makes it every test.
Groups the map does not name give nothing.

The map is read once at start-up (signon.apps), so a mistake stops every process with a message
naming the entry and what to write instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, ValidationError

from access.patterns import validate_pattern

SETTING = "OIDC_ROLE_MAP"
EXAMPLE = "exam-office=Test admin; course-bio101-staff=Proctor:bio101-*"


@dataclass(frozen=True)
class Entry:
    group: str
    role: str
    patterns: tuple[str, ...]  # () = every test


def parse_role_map(text: str, roles: Iterable[str]) -> tuple[Entry, ...]:
    """The entries of `text`; ImproperlyConfigured naming the first mistake."""
    names = {name.casefold(): name for name in roles}
    entries = []
    for number, raw in enumerate(text.split(";"), start=1):
        item = raw.strip()
        if not item:
            continue
        where = f"{SETTING} entry {number} ({item!r})"
        group, equals, grant = item.rpartition("=")
        group = group.strip()
        if not equals or not group:
            raise ImproperlyConfigured(
                f"{where} is not GROUP=ROLE or GROUP=ROLE:PATTERN,...; for example {EXAMPLE!r}."
            )
        role, colon, pattern_text = grant.partition(":")
        role = " ".join(role.split())
        if role.casefold() not in names:
            raise ImproperlyConfigured(
                f"{where}: {role!r} is not a role; use one of: {', '.join(names.values())}."
            )
        patterns = tuple(p.strip() for p in pattern_text.split(",")) if colon else ()
        for pattern in patterns:
            try:
                validate_pattern(pattern)
            except ValidationError as error:
                raise ImproperlyConfigured(
                    f"{where}: {' '.join(error.messages)} Patterns are separated by commas."
                ) from None
        entries.append(Entry(group=group, role=names[role.casefold()], patterns=patterns))
    return tuple(entries)


def grants_for(
    entries: Iterable[Entry], groups: Iterable[str]
) -> tuple[dict[str, list[str]], list[str]]:
    """The grants ({role: patterns}, [] = every test) that `groups` give, and the groups the map
    does not name (sorted), for the log."""
    held = set(groups)
    grants: dict[str, set[str] | None] = {}
    named = set()
    for entry in entries:
        if entry.group not in held:
            continue
        named.add(entry.group)
        if not entry.patterns or grants.get(entry.role, set()) is None:
            grants[entry.role] = None
        else:
            grants.setdefault(entry.role, set()).update(entry.patterns)
    result = {role: sorted(patterns or ()) for role, patterns in grants.items()}
    return result, sorted(held - named)


def groups_in(claims: Mapping[str, object], claim: str) -> list[str]:
    """The group names in the claim: a list of strings, or one string (some providers send a
    single group so); anything else counts as no groups."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []
