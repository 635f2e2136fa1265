"""Which tests a user's roles reach: the one place the dashboard decides it.

A role is a Django group of access.roles. Holding a role with no scope rows means holding it on
every test (the meaning a role always had). With scope rows (access.models.RoleScope), the
role's permissions reach only attempts whose test lookup key matches one of the patterns
(access.patterns: shell-style, case-sensitive, `biology-*`, `ENGB2/*`); an attempt without a
lookup key belongs to no test and is seen only by unscoped users.

Any group can carry patterns of its own (rows without a user): its members hold the group's
permissions on those tests only, unless they have rows of their own for that group. The scope
of a permission follows where the permission comes from: the union of the scopes of the
groups that give it; a permission given to the user directly, or being a superuser, reaches
every test.

Reads go through `visible_attempts(user, permission)` (or `scope_of(user, permission).q(...)`
for rows of another model that point at an attempt or a test). Writes of the grants go through
`set_grants`, used by `grant_role`, the admin and single sign-on; each change is announced by
the `grants_changed` signal, which the audit trail records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import FilteredRelation, Q, QuerySet
from django.dispatch import Signal

from access.models import RoleScope
from access.patterns import matches, validate_pattern
from access.roles import ROLES, ensure_roles
from proctoring.models import Attempt

# The permission that lets a user see attempts at all (access.permissions.VIEW_ATTEMPTS).
SEE_ATTEMPTS = "proctoring.view_attempt"

# Sent after set_grants changed a user's roles or scopes: user, before, after ({role: patterns},
# [] = every test) and source ("cli", "admin", "oidc", ...).
grants_changed = Signal()

# Django's permission caches on a user object, dropped when the user's grants change.
_PERMISSION_CACHES = ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_test_scopes")


@dataclass(frozen=True)
class Scope:
    """The tests a permission reaches: every test (`patterns` None) or those matching one."""

    patterns: frozenset[str] | None

    @property
    def unrestricted(self) -> bool:
        return self.patterns is None

    def q(self, lookup_key: str = "lookup_key") -> Q:
        """The condition on a lookup-key column (`attempt__lookup_key` from a related model)."""
        if self.patterns is None:
            return Q()
        if not self.patterns:
            return Q(pk__in=[])
        matching = reduce(
            or_, (Q(**{f"{lookup_key}__scope_pattern": p}) for p in sorted(self.patterns))
        )
        return ~Q(**{lookup_key: ""}) & matching

    def allows(self, lookup_key: str | None) -> bool:
        """True when an attempt of test `lookup_key` is inside the scope (Python's twin of q)."""
        if self.patterns is None:
            return True
        return any(matches(pattern, lookup_key or "") for pattern in self.patterns)

    @property
    def key(self) -> str:
        """A short stable name of the scope, for cache keys: pages cached per scope."""
        if self.patterns is None:
            return "all"
        digest = hashlib.sha256("\n".join(sorted(self.patterns)).encode()).hexdigest()
        return f"s{digest[:16]}"


EVERY_TEST = Scope(None)
NO_TEST = Scope(frozenset())


def scope_of(
    user: AbstractBaseUser | AnonymousUser | None, permission: str = SEE_ATTEMPTS
) -> Scope:
    """The tests on which `user` holds `permission` (one query, then cached on the user)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_TEST
    if user.is_superuser:
        return EVERY_TEST
    cache = user.__dict__.setdefault("_test_scopes", {})
    if permission not in cache:
        cache[permission] = _read_scope(user, permission)
    return cache[permission]


def _read_scope(user: AbstractBaseUser, permission: str) -> Scope:
    if permission in user.get_user_permissions():
        return EVERY_TEST
    app_label, codename = permission.split(".", 1)
    rows = (
        Group.objects.filter(
            user=user,
            permissions__codename=codename,
            permissions__content_type__app_label=app_label,
        )
        .annotate(
            scope=FilteredRelation(
                "scopes", condition=Q(scopes__user=user) | Q(scopes__user__isnull=True)
            )
        )
        .values_list("id", "scope__user_id", "scope__pattern")
    )
    own: dict[int, set[str]] = {}
    shared: dict[int, set[str]] = {}
    for group_id, scope_user_id, pattern in rows:
        own.setdefault(group_id, set())
        shared.setdefault(group_id, set())
        if pattern is not None:
            (own if scope_user_id is not None else shared)[group_id].add(pattern)
    patterns: set[str] = set()
    for group_id, own_patterns in own.items():
        group_patterns = own_patterns or shared[group_id]
        if not group_patterns:
            return EVERY_TEST
        patterns |= group_patterns
    return Scope(frozenset(patterns))


def visible_attempts(
    user: AbstractBaseUser | AnonymousUser | None,
    permission: str = SEE_ATTEMPTS,
    queryset: QuerySet[Attempt] | None = None,
) -> QuerySet[Attempt]:
    """The attempts `user` may see (or act on with `permission`): every read starts here."""
    attempts = queryset if queryset is not None else Attempt.objects.all()
    if not user or not user.is_authenticated or not user.has_perm(permission):
        return attempts.none()
    return attempts.filter(scope_of(user, permission).q())


def may_see(
    user: AbstractBaseUser | AnonymousUser | None,
    lookup_key: str | None,
    permission: str = SEE_ATTEMPTS,
) -> bool:
    """True when `user` holds `permission` on the test `lookup_key` (no query once cached)."""
    return bool(
        user
        and user.is_authenticated
        and user.has_perm(permission)
        and scope_of(user, permission).allows(lookup_key)
    )


def grants_of(user: AbstractBaseUser) -> dict[str, list[str]]:
    """The user's roles, each with the user's own patterns ([] = every test)."""
    grants: dict[str, list[str]] = {
        name: [] for name in user.groups.filter(name__in=list(ROLES)).values_list("name", flat=True)
    }
    for name, pattern in RoleScope.objects.filter(
        user=user, group__name__in=list(grants)
    ).values_list("group__name", "pattern"):
        grants[name].append(pattern)
    return {name: sorted(grants[name]) for name in sorted(grants)}


def set_grants(user: AbstractBaseUser, grants: Mapping[str, Sequence[str]], *, source: str) -> None:
    """Make the user's roles exactly `grants` ({role: patterns}, [] = every test).

    Roles not named are taken away, and their scopes with them; groups that are not roles are
    left alone. Raises ValueError for an unknown role or an unusable pattern, before changing
    anything.
    """
    unknown = [name for name in grants if name not in ROLES]
    if unknown:
        known = ", ".join(repr(name) for name in ROLES)
        raise ValueError(f"Unknown role {unknown[0]!r}; the roles are: {known}.")
    wanted = {name: sorted(set(_checked(patterns))) for name, patterns in grants.items()}
    with transaction.atomic():
        groups = _role_groups()
        before = grants_of(user)
        if before == wanted:
            return
        user.groups.remove(*(groups[name] for name in before if name not in wanted))
        user.groups.add(*(groups[name] for name in wanted if name not in before))
        RoleScope.objects.filter(user=user, group__in=groups.values()).delete()
        RoleScope.objects.bulk_create(
            RoleScope(user=user, group=groups[name], pattern=pattern, source=source[:32])
            for name, patterns in wanted.items()
            for pattern in patterns
        )
        forget_cached_permissions(user)
        transaction.on_commit(
            lambda: grants_changed.send(
                sender=RoleScope, user=user, before=before, after=wanted, source=source
            )
        )


def forget_cached_permissions(user: Any) -> None:
    """Drop what Django and scope_of cached on this user object, after its grants changed."""
    for name in _PERMISSION_CACHES:
        user.__dict__.pop(name, None)


def describe(patterns: Iterable[str]) -> str:
    """`biology-*, chem-*`, or `every test`: a scope in words, for messages and pages."""
    patterns = sorted(patterns)
    return ", ".join(patterns) if patterns else "every test"


def _checked(patterns: Sequence[str]) -> list[str]:
    if isinstance(patterns, str):
        raise ValueError(f"Give a role's test patterns as a list, not the string {patterns!r}.")
    for pattern in patterns:
        try:
            validate_pattern(pattern)
        except ValidationError as error:
            raise ValueError(error.messages[0]) from None
    return list(patterns)


def _role_groups() -> dict[str, Group]:
    """The role groups by name, created (with their permissions) only when one is missing."""
    groups = {group.name: group for group in Group.objects.filter(name__in=list(ROLES))}
    return groups if len(groups) == len(ROLES) else ensure_roles()
