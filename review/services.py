"""The writes of reviewing. Each function checks the rules, writes, and records the audit
event in the same transaction: a verdict never exists without its trail, or the other way round.

A verdict is two writes: a VerdictChange (the history, append-only) and the attempt's
ReviewState (the copy of the latest change that lists and filters read). The attempt's row is
locked first, so two reviewers saving at once are put one after the other, and the second is
judged against the first one's verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from access.permissions import REVIEW_ATTEMPTS
from access.scopes import visible_attempts
from audit.services import audit_record
from proctoring.models import Attempt
from review import signals
from review.claims import release_all
from review.marks import (  # noqa: F401 (one entry point for every review write)
    EVIDENCE_DISMISS,
    EVIDENCE_DISMISS_WINDOW,
    EVIDENCE_RESTORE,
    NOTE_ADD,
    _name,
    add_note,
    dismiss_record,
    dismiss_records,
    dismiss_window,
    restore_record,
)
from review.models import EvidenceDismissal, ReviewNote, ReviewState, Verdict, VerdictChange
from review.permissions import may_give_verdict
from review.presets import BUILT_IN
from review.refusals import (  # noqa: F401 (one entry point for every review write)
    ChangedWhileReviewing,
    NotYourDismissal,
    NotYours,
    ReviewRefused,
)

# What the audit trail calls each verdict action.
VERDICT_SET = "verdict.set"
VERDICT_BULK = "verdict.bulk"

# Common reasons, offered next to the free-text reason (which stays required).
PRESETS = BUILT_IN


@dataclass(frozen=True)
class Seen:
    """The figures a reviewer was shown, as the form sends them back."""

    trust_score: float | None
    violation_count: int

    def matches(self, attempt: Attempt) -> bool:
        return (
            self.trust_score == attempt.trust_score
            and self.violation_count == attempt.violation_count
        )


def set_verdict(
    *,
    user: AbstractBaseUser,
    attempt: Attempt,
    verdict: str,
    reason: str,
    preset: str = "",
    seen: Seen | None = None,
) -> VerdictChange:
    """Give `attempt` a verdict. Raises NotYours when the latest verdict is someone else's and
    `user` may not overturn it, ChangedWhileReviewing when `seen` differs from the attempt's
    current figures. Returns the new VerdictChange."""
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        state = ReviewState.objects.filter(attempt=attempt).first()
        if not may_give_verdict(user, state):
            raise NotYours([(attempt, state)])
        if seen is not None and not seen.matches(attempt):
            raise ChangedWhileReviewing(attempt)
        change = _give(user, attempt, state, verdict, reason, preset, bulk=False)
        release_all(attempt)  # decided: the queue may offer it again when it comes back
        audit_record(
            user=user,
            action=VERDICT_SET,
            attempt=attempt,
            summary=f"{change.get_verdict_display()} (was {change.get_previous_verdict_display()})"
            f": {change.full_reason}",
            detail=_verdict_detail(change),
        )
    return change


def set_verdicts(
    *,
    user: AbstractBaseUser,
    attempt_ids: list[int],
    verdict: str,
    reason: str,
    preset: str = "",
) -> list[VerdictChange]:
    """Give every attempt of `attempt_ids` the same verdict, each with its own history entry,
    all or nothing: when any of them has another reviewer's verdict that `user` may not
    overturn, NotYours lists them and nothing is changed. Attempts outside the tests `user`
    reviews (access.scopes) are left out, like ids that no longer exist. Returns the
    VerdictChanges."""
    with transaction.atomic():
        reviewable = visible_attempts(user, REVIEW_ATTEMPTS, Attempt.objects.select_for_update())
        attempts = list(reviewable.filter(pk__in=attempt_ids).order_by("pk"))
        states = {
            state.attempt_id: state for state in ReviewState.objects.filter(attempt__in=attempts)
        }
        for attempt in attempts:  # the overturn rule reads each attempt's test
            if attempt.pk in states:
                states[attempt.pk].attempt = attempt
        refused = [
            (attempt, states[attempt.pk])
            for attempt in attempts
            if not may_give_verdict(user, states.get(attempt.pk))
        ]
        if refused:
            raise NotYours(refused, bulk=True)
        changes = []
        for attempt in attempts:
            change = _give(
                user, attempt, states.get(attempt.pk), verdict, reason, preset, bulk=True
            )
            audit_record(
                user=user,
                action=VERDICT_BULK,
                attempt=attempt,
                summary=f"{change.get_verdict_display()} (was "
                f"{change.get_previous_verdict_display()}), with {len(attempts) - 1} other(s): "
                f"{change.full_reason}",
                detail=_verdict_detail(change, together=len(attempts)),
            )
            changes.append(change)
        release_all(*attempts)
    return changes


def _give(user, attempt, state, verdict, reason, preset, *, bulk):
    change = VerdictChange.objects.create(
        attempt=attempt,
        verdict=verdict,
        previous_verdict=state.verdict if state else Verdict.UNREVIEWED,
        preset=preset,
        reason=reason,
        reviewer=user,
        reviewer_name=_name(user),
        at=timezone.now(),
        seen_trust_score=attempt.trust_score,
        seen_violation_count=attempt.violation_count,
        bulk=bulk,
    )
    transaction.on_commit(partial(signals.announce_verdict, attempt.pk, change.verdict))
    ReviewState.objects.update_or_create(
        attempt=attempt,
        defaults={
            "verdict": change.verdict,
            "reviewed_by": user,
            "reviewer_name": change.reviewer_name,
            "reviewed_at": change.at,
            "reason": change.full_reason,
            "seen_trust_score": change.seen_trust_score,
            "seen_violation_count": change.seen_violation_count,
            "latest_change": change,
        },
    )
    return change


def _verdict_detail(change, together=1):
    detail = {
        "verdict": change.verdict,
        "previous_verdict": change.previous_verdict,
        "preset": change.preset,
        "reason": change.reason,
        "seen_trust_score": change.seen_trust_score,
        "seen_violation_count": change.seen_violation_count,
    }
    if change.bulk:
        detail["attempts_together"] = together
    return detail


def review_history_delete(*, attempt_ids: list[int]) -> int:
    """Delete every review row of these attempts: the attempts are being deleted by a
    retention policy. History is append-only for people; a retention policy is the one thing
    that removes it, with the attempt it is about. Returns the rows deleted."""
    deleted = ReviewState.objects.filter(attempt_id__in=attempt_ids).delete()[0]
    for model in (VerdictChange, ReviewNote, EvidenceDismissal):
        # A plain QuerySet: the append-only manager refuses deletes on purpose.
        deleted += QuerySet(model).filter(attempt_id__in=attempt_ids).delete()[0]
    return deleted
