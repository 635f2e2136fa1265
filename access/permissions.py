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
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

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
    *,
    queryset: QuerySet[Attempt] | None = None,
) -> Attempt:
    """The attempt `user` may see, or 404. Used by every view about one attempt."""
    if not can(user, VIEW_ATTEMPTS):
        raise PermissionDenied
    return get_object_or_404(queryset if queryset is not None else Attempt.objects, pk=attempt_id)


def evidence_record_for(
    user: AbstractBaseUser | AnonymousUser, attempt_id: int, record_id: int
) -> EvidenceRecord:
    """The evidence record of that attempt `user` may open, or 404 (also for a wrong attempt)."""
    if not can(user, VIEW_ATTEMPTS, VIEW_EVIDENCE):
        raise PermissionDenied
    return get_object_or_404(
        EvidenceRecord.objects.select_related("attempt"), pk=record_id, attempt_id=attempt_id
    )
