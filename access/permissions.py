"""Who may see what: the one place the dashboard decides access.

Every view is wrapped in `require(...)` with the permissions it needs, and every template asks
`can(user, ...)` (through the `perms` context) before linking to a page. Checks are on
permissions, never on group names: groups are only bundles of permissions (access.roles).

Anonymous visitors are sent to the login page; a logged-in user who lacks a permission gets
403, so a missing role is reported as such instead of looping through the login form.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from access.scopes import may_see, visible_attempts
from proctoring.models import Attempt, EvidenceRecord

View = Callable[..., HttpResponse]

VIEW_ATTEMPTS = "proctoring.view_attempt"
VIEW_EVIDENCE = "proctoring.view_evidencerecord"
EXPORT_ATTEMPTS = "proctoring.export_attempts"
VIEW_USAGE = "proctoring.view_usage"
RUN_SYNC = "proctoring.run_sync"
USE_CONSOLE = "proctoring.use_console"
REVIEW_ATTEMPTS = "review.review_attempts"
OVERTURN_VERDICTS = "review.overturn_verdicts"
VIEW_AUDIT = "audit.view_auditevent"
MANAGE_RETENTION = "retention.manage_retention"
SET_THRESHOLDS = "review.change_pertestthreshold"


def can(user: AbstractBaseUser | AnonymousUser | None, *permissions: str) -> bool:
    """True when the user is logged in and holds every one of `permissions`."""
    return bool(user and user.is_authenticated and user.has_perms(permissions))


def require(*permissions: str) -> Callable[[View], View]:
    """Decorate a view so it runs only for a logged-in user holding all `permissions`."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, *permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_permissions = permissions
        return wrapper

    return decorator


def attempt_for(
    user: AbstractBaseUser | AnonymousUser,
    attempt_id: int,
    *permissions: str,
    queryset: QuerySet[Attempt] | None = None,
) -> Attempt:
    """The attempt `user` may see (and act on with `permissions`), or 404: also for an attempt
    outside the user's tests, which then looks like one that does not exist. Used by every
    view about one attempt."""
    if not can(user, VIEW_ATTEMPTS, *permissions):
        raise PermissionDenied
    attempts = queryset if queryset is not None else Attempt.objects.all()
    for permission in dict.fromkeys([VIEW_ATTEMPTS, *permissions]):
        attempts = visible_attempts(user, permission, attempts)
    return get_object_or_404(attempts, pk=attempt_id)


def test_for(user: AbstractBaseUser | AnonymousUser, lookup_key: str, *permissions: str) -> str:
    """`lookup_key` when `user` holds `permissions` (and may see attempts) on that test, else
    404, as for a test without attempts. Used by every view about one test."""
    if not can(user, VIEW_ATTEMPTS, *permissions):
        raise PermissionDenied
    if not all(may_see(user, lookup_key, p) for p in (VIEW_ATTEMPTS, *permissions)):
        raise Http404(f"No attempt has the lookup key {lookup_key!r}.")
    return lookup_key


def evidence_record_for(
    user: AbstractBaseUser | AnonymousUser, attempt_id: int, record_id: int
) -> EvidenceRecord:
    """The evidence record of that attempt `user` may open, or 404 (also for a wrong attempt,
    and for an attempt outside the user's tests: OutOfScope, a kind of Http404, says which)."""
    if not can(user, VIEW_ATTEMPTS, VIEW_EVIDENCE):
        raise PermissionDenied
    record = get_object_or_404(
        EvidenceRecord.objects.select_related("attempt"), pk=record_id, attempt_id=attempt_id
    )
    if not all(may_see(user, record.attempt.lookup_key, p) for p in (VIEW_ATTEMPTS, VIEW_EVIDENCE)):
        raise OutOfScope(record)
    return record


class OutOfScope(Http404):
    """The record exists, but its attempt is outside the user's tests (answered as a 404)."""

    def __init__(self, record: EvidenceRecord) -> None:
        super().__init__("No such evidence record.")
        self.record = record
