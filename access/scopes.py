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

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.utils.functional import LazyObject, empty

from access.grants_query import grant_rows
from access.models import RoleScope
from access.patterns import WILDCARDS, matches, validate_pattern
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
        # Tests named in full are one IN list, which the (lookup_key, id) index serves on
        # any database (an OR of them is read as a scan of the index); the others are patterns.
        named = sorted(p for p in self.patterns if not any(c in WILDCARDS for c in p))
        conditions = [Q(**{f"{lookup_key}__in": named})] if named else []
        conditions += [
            Q(**{f"{lookup_key}__scope_pattern": p})
            for p in sorted(self.patterns)
            if any(c in WILDCARDS for c in p)
        ]
        matching = reduce(or_, conditions)
        return ~Q(**{lookup_key: ""}) & matching

    @property
    def named_tests(self) -> list[str] | None:
        """The tests of a scope made of whole test names only, sorted; None when it reaches
        every test or has a pattern (its tests are not known without the data)."""
        if self.patterns is None or any(c in WILDCARDS for p in self.patterns for c in p):
            return None
        return sorted(self.patterns)

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
    """The tests on which `user` holds `permission` (one query per request for all of them)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_TEST
    if user.is_superuser:
        return EVERY_TEST
    user = _unwrapped(user)
    scopes = user.__dict__.get("_test_scopes")
    if scopes is None:
        scopes = user.__dict__["_test_scopes"] = _read_scopes(user)
    found = scopes.get(permission)
    if found is None:  # given by no group: directly to the user, or not at all
        found = EVERY_TEST if permission in user.get_user_permissions() else NO_TEST
        scopes[permission] = found
    return found


def is_scoped(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """True when any permission of `user` is limited to some tests (no query once cached)."""
    if user is None or not user.is_authenticated or not user.is_active or user.is_superuser:
        return False
    scope_of(user)  # reads (and caches) the scopes of every permission the groups give
    return any(scope.patterns for scope in _unwrapped(user).__dict__["_test_scopes"].values())


def _unwrapped(user: Any) -> Any:
    """The user object itself. `request.user` is a lazy wrapper whose own `__dict__` is not
    the user's: a cache kept there would miss the permission checks, which run on the user
    object, and be read again (one query more per page)."""
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user


def _read_scopes(user: AbstractBaseUser) -> dict[str, Scope]:
    """{permission: scope} for every permission the user's groups give, in one query
    (access.grants_query, which also reads the permissions given to the user directly: Django's
    model backend would ask for them in a query of its own)."""
    permissions: dict[int, set[str]] = {}
    direct: set[str] = set()
    patterns = _GroupPatterns()
    for group_id, app_label, codename, scope_user_id, pattern in grant_rows(user.pk):
        if group_id is None:
            direct.add(f"{app_label}.{codename}")
            continue
        permissions.setdefault(group_id, set())
        if codename is not None:
            permissions[group_id].add(f"{app_label}.{codename}")
        patterns.add(group_id, scope_user_id, pattern)
    user.__dict__.setdefault("_user_perm_cache", direct)
    scopes: dict[str, Scope] = {}
    for group_id, given in permissions.items():
        for permission in given:
            scopes[permission] = _union(scopes.get(permission), patterns.of(group_id, user.pk))
    # The same rows are the permissions Django's model backend would read from the groups in a
    # query of its own: handing them over keeps a page's query count what it was.
    user.__dict__.setdefault("_group_perm_cache", set(scopes))
    if any(scope.patterns is not None for scope in scopes.values()):
        # A permission also given to the user directly reaches every test.
        for permission in user.get_user_permissions():
            scopes[permission] = EVERY_TEST
    return scopes


def scopes_of(users: Iterable[AbstractBaseUser], permission: str) -> dict[int, Scope]:
    """{user id: the tests on which that user holds `permission`} for many users at once (the
    recipients of an email), in three queries whatever their number."""
    users = list(users)
    ids = [user.pk for user in users]
    app_label, codename = permission.split(".", 1)
    held = Q(permission__codename=codename, permission__content_type__app_label=app_label)
    direct = set(
        get_user_model()
        .user_permissions.through.objects.filter(held, user_id__in=ids)
        .values_list("user_id", flat=True)
    )
    memberships = list(
        get_user_model()
        .groups.through.objects.filter(
            user_id__in=ids,
            group__permissions__codename=codename,
            group__permissions__content_type__app_label=app_label,
        )
        .values_list("user_id", "group_id")
        .distinct()
    )
    patterns = _GroupPatterns()
    for group_id, scope_user_id, pattern in RoleScope.objects.filter(
        Q(user_id__in=ids) | Q(user__isnull=True),
        group_id__in={group_id for _, group_id in memberships},
    ).values_list("group_id", "user_id", "pattern"):
        patterns.add(group_id, scope_user_id, pattern)
    scopes = {
        user.pk: EVERY_TEST if user.is_superuser or user.pk in direct else None for user in users
    }
    for user_id, group_id in memberships:
        if scopes[user_id] is not EVERY_TEST:
            scopes[user_id] = _union(scopes[user_id], patterns.of(group_id, user_id))
    return {user_id: scope or NO_TEST for user_id, scope in scopes.items()}


class _GroupPatterns:
    """Scope rows by group: each member's own, and the group's for members without their own."""

    def __init__(self) -> None:
        self.own: dict[tuple[int, int], set[str]] = {}
        self.shared: dict[int, set[str]] = {}

    def add(self, group_id: int, user_id: int | None, pattern: str | None) -> None:
        if pattern is None:
            return
        if user_id is None:
            self.shared.setdefault(group_id, set()).add(pattern)
        else:
            self.own.setdefault((group_id, user_id), set()).add(pattern)

    def of(self, group_id: int, user_id: int) -> set[str] | None:
        """The patterns limiting `user_id`'s membership of the group (None: every test)."""
        return self.own.get((group_id, user_id)) or self.shared.get(group_id)


def _union(scope: Scope | None, patterns: set[str] | None) -> Scope:
    """`scope` widened by one group's patterns (None: every test)."""
    if patterns is None or (scope is not None and scope.patterns is None):
        return EVERY_TEST
    return Scope(frozenset(patterns | (scope.patterns if scope else set())))


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
    user = _unwrapped(user)
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
