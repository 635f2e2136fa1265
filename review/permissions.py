"""Who may give a verdict: the review rule on top of the permissions access.permissions checks."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from access.permissions import OVERTURN_VERDICTS, REVIEW_ATTEMPTS, VIEW_ATTEMPTS, can
from access.scopes import scope_of
from review.models import EvidenceDismissal, ReviewState


def may_give_verdict(
    user: AbstractBaseUser | AnonymousUser, review_state: ReviewState | None
) -> bool:
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
    return may_overturn_on(user, lambda: review_state.attempt.lookup_key)


def may_overturn_on(user: AbstractBaseUser | AnonymousUser, test: Callable[[], str]) -> bool:
    """OVERTURN_VERDICTS on a test (a test admin's role may be limited to some): overturning a
    verdict or a dismissal, and taking over another reviewer's claim. `test` gives the test's
    lookup key, read only when the role is limited."""
    if not can(user, OVERTURN_VERDICTS):
        return False
    scope = scope_of(user, OVERTURN_VERDICTS)
    return scope.unrestricted or scope.allows(test())


def may_restore(user: AbstractBaseUser | AnonymousUser, dismissal: EvidenceDismissal) -> bool:
    """True when `user` may count a dismissed evidence record again: the same overturn rule as
    verdicts. Whoever dismissed it may change their mind; undoing another reviewer's dismissal
    takes OVERTURN_VERDICTS (test admins)."""
    if not can(user, VIEW_ATTEMPTS, REVIEW_ATTEMPTS):
        return False
    if dismissal.dismissed_by_id == user.pk:
        return True
    return may_overturn_on(user, lambda: dismissal.attempt.lookup_key)


def may_write_context_notes(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Test and candidate notes apply to every matching attempt, so only test admins (who hold
    OVERTURN_VERDICTS) write them."""
    return can(user, VIEW_ATTEMPTS, REVIEW_ATTEMPTS, OVERTURN_VERDICTS)
