"""Who may see what: the one place the dashboard decides access.

Every view is wrapped in `require(...)` with the permissions it needs, and every template asks
`can(user, ...)` (through the `perms` context) before linking to a page. Checks are on
permissions, never on group names: groups are only bundles of permissions (dashboard.roles).

Anonymous visitors are sent to the login page; a logged-in user who lacks a permission gets
403, so a missing role is reported as such instead of looping through the login form.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from proctoring.models import Attempt, EvidenceRecord

VIEW_ATTEMPTS = "proctoring.view_attempt"
VIEW_EVIDENCE = "proctoring.view_evidencerecord"
EXPORT_ATTEMPTS = "proctoring.export_attempts"
VIEW_USAGE = "proctoring.view_usage"
RUN_SYNC = "proctoring.run_sync"
USE_CONSOLE = "proctoring.use_console"
REVIEW_ATTEMPTS = "proctoring.review_attempts"
OVERTURN_VERDICTS = "proctoring.overturn_verdicts"
VIEW_AUDIT = "dashboard.view_auditevent"


def can(user, *permissions):
    """True when the user is logged in and holds every one of `permissions`."""
    return bool(user and user.is_authenticated and user.has_perms(permissions))


def require(*permissions):
    """Decorate a view so it runs only for a logged-in user holding all `permissions`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, *permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_permissions = permissions
        return wrapper

    return decorator


def attempt_for(user, attempt_id, *, queryset=None):
    """The attempt `user` may see, or 404. Used by every view about one attempt."""
    if not can(user, VIEW_ATTEMPTS):
        raise PermissionDenied
    return get_object_or_404(queryset if queryset is not None else Attempt.objects, pk=attempt_id)


def evidence_record_for(user, attempt_id, record_id):
    """The evidence record of that attempt `user` may open, or 404 (also for a wrong attempt)."""
    if not can(user, VIEW_ATTEMPTS, VIEW_EVIDENCE):
        raise PermissionDenied
    return get_object_or_404(
        EvidenceRecord.objects.select_related("attempt"), pk=record_id, attempt_id=attempt_id
    )


def may_give_verdict(user, review_state):
    """True when `user` may give the attempt a verdict now. `review_state` is the attempt's
    ReviewState, None while it is unreviewed.

    Any reviewer gives a first verdict and changes their own; changing the verdict another
    reviewer gave last (overturning it) takes OVERTURN_VERDICTS (test admins). Giving the same
    verdict again counts as a change too, or re-confirming a colleague's verdict would make it
    one's own to overturn. A verdict whose reviewer's account is gone is someone else's.
    """
    if not can(user, VIEW_ATTEMPTS, REVIEW_ATTEMPTS):
        return False
    if review_state is None or review_state.reviewed_by_id == user.pk:
        return True
    return can(user, OVERTURN_VERDICTS)


def may_restore(user, dismissal):
    """True when `user` may count a dismissed evidence record again: the same overturn rule as
    verdicts. Whoever dismissed it may change their mind; undoing another reviewer's dismissal
    takes OVERTURN_VERDICTS (test admins)."""
    if not can(user, VIEW_ATTEMPTS, REVIEW_ATTEMPTS):
        return False
    return dismissal.dismissed_by_id == user.pk or can(user, OVERTURN_VERDICTS)
