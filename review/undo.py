"""Undoing a verdict just given (a wrong key, the wrong attempt): for UNDO_SECONDS after it,
its reviewer may put the attempt back as it was.

History stays append-only: the undo is a new VerdictChange (the verdict the attempt had
before, with "Undo" in its reason) and the trail keeps both entries. The attempt's
ReviewState goes back to what it was before the undone change: no row when it was unreviewed,
else a copy of the change before it (its reviewer stays the one who owns that verdict), with
the undo entry as its latest change.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from proctoring.models import Attempt
from review.models import ReviewState, Verdict, VerdictChange
from review.refusals import ReviewRefused

UNDO_SECONDS = 300
VERDICT_UNDO = "verdict.undo"


def undoable(user: AbstractBaseUser, change_id: object) -> VerdictChange | None:
    """The change `change_id` when `user` may still undo it: theirs, not a bulk one, given
    under UNDO_SECONDS ago, and still the attempt's latest verdict."""
    if not isinstance(change_id, int):
        return None
    change = (
        VerdictChange.objects.select_related("attempt")
        .filter(
            pk=change_id,
            reviewer_id=user.pk,
            bulk=False,
            at__gte=timezone.now() - timedelta(seconds=UNDO_SECONDS),
        )
        .first()
    )
    if change is None:
        return None
    latest = ReviewState.objects.filter(attempt_id=change.attempt_id).first()
    return change if latest is not None and latest.latest_change_id == change.pk else None


def undo_verdict(*, user: AbstractBaseUser, change_id: int) -> VerdictChange:
    """Put the attempt of `change_id` back as it was before that change. ReviewRefused when
    it can no longer be undone (too late, not the latest, not the user's)."""
    with transaction.atomic():
        change = VerdictChange.objects.filter(pk=change_id).first()
        if change is None:
            raise ReviewRefused("Nothing to undo: that verdict does not exist.")
        Attempt.objects.select_for_update().filter(pk=change.attempt_id).first()
        if undoable(user, change_id) is None:
            raise ReviewRefused(
                f"This verdict can no longer be undone: an undo is possible for "
                f"{UNDO_SECONDS // 60} minutes, by its reviewer, while it is the latest. "
                "Give the verdict again instead."
            )
        before = (
            VerdictChange.objects.filter(attempt_id=change.attempt_id, pk__lt=change.pk)
            .order_by("-pk")
            .first()
        )
        restored = before.verdict if before is not None else Verdict.UNREVIEWED
        entry = VerdictChange.objects.create(
            attempt_id=change.attempt_id,
            verdict=restored,
            previous_verdict=change.verdict,
            reason=f"Undo of {change.get_verdict_display()} ({change.full_reason})",
            reviewer=user,
            reviewer_name=user.get_username(),
            at=timezone.now(),
            seen_trust_score=change.seen_trust_score,
            seen_violation_count=change.seen_violation_count,
        )
        if before is None:
            ReviewState.objects.filter(attempt_id=change.attempt_id).delete()
        else:
            ReviewState.objects.filter(attempt_id=change.attempt_id).update(
                verdict=before.verdict,
                reviewed_by_id=before.reviewer_id,
                reviewer_name=before.reviewer_name,
                reviewed_at=before.at,
                reason=before.full_reason,
                seen_trust_score=before.seen_trust_score,
                seen_violation_count=before.seen_violation_count,
                latest_change=entry,
            )
        audit_record(
            user=user,
            action=VERDICT_UNDO,
            attempt=change.attempt,
            summary=f"Undid {change.get_verdict_display()}: back to {entry.get_verdict_display()}",
            detail={"undone_change": change.pk, "restored_verdict": restored},
        )
    return entry
