"""The writes of reviewing. Each function checks the rules, writes, and records the audit
event in the same transaction: a verdict never exists without its trail, or the other way round.

A verdict is two writes: a VerdictChange (the history, append-only) and the attempt's
ReviewState (the copy of the latest change that lists and filters read). The attempt's row is
locked first, so two reviewers saving at once are put one after the other, and the second is
judged against the first one's verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from access.permissions import REVIEW_ATTEMPTS
from access.scopes import visible_attempts
from audit.services import audit_record
from proctoring.models import Attempt, EvidenceRecord
from review.models import (
    EvidenceDismissal,
    EvidenceKey,
    ReviewNote,
    ReviewState,
    Verdict,
    VerdictChange,
)
from review.permissions import may_give_verdict, may_restore

# What the audit trail calls each review action.
VERDICT_SET = "verdict.set"
VERDICT_BULK = "verdict.bulk"
NOTE_ADD = "note.add"
EVIDENCE_DISMISS = "evidence.dismiss"
EVIDENCE_RESTORE = "evidence.restore"

# Common reasons, offered next to the free-text reason (which stays required).
PRESETS = [
    "false positive: noisy room",
    "false positive: allowed material (calculator, notes)",
    "camera or connection problem",
    "another person in the room",
    "phone or second screen in use",
    "left the test repeatedly",
]


class ReviewRefused(Exception):
    """The verdict was not stored; the message says why and what to do."""


class NotYours(ReviewRefused):
    """The attempt's latest verdict is another reviewer's, and only test admins overturn one."""

    def __init__(self, attempts):
        self.attempts = attempts
        listed = "; ".join(
            f"{attempt.test_attempt_id} ({attempt.candidate_name or 'no name'}): "
            f"{state.get_verdict_display()} by {state.reviewer_name}"
            for attempt, state in attempts
        )
        super().__init__(
            "Only a test admin can change a verdict another reviewer gave, so nothing was "
            f"changed. Given by someone else: {listed}. Leave these out, or ask a test admin."
        )


class NotYourDismissal(ReviewRefused):
    """The evidence was dismissed by another reviewer, and only test admins overturn that."""

    def __init__(self, dismissal):
        super().__init__(
            f"Only a test admin can count again evidence another reviewer dismissed "
            f"({dismissal.dismissed_by_name}: {dismissal.reason}), so it still does not count. "
            "Ask a test admin, or add a note."
        )


class ChangedWhileReviewing(ReviewRefused):
    """AutoProctor re-scored the attempt after the page was shown: the reviewer judged old data."""

    def __init__(self, attempt):
        self.attempt = attempt
        super().__init__(
            "AutoProctor re-scored this attempt while you were reviewing it (trust score "
            f"{_percent(attempt.trust_score)}, {attempt.violation_count} violations now). "
            "Nothing was saved: look at the current figures and give the verdict again."
        )


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


def _percent(fraction):
    return "none" if fraction is None else f"{fraction * 100:.1f} %"


def _name(user):
    return user.get_username()


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
            raise NotYours(refused)
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


def _record_detail(record):
    return {
        "record": record.pk,
        "device": record.device,
        "position": record.position,
        "label": record.label,
        "occurred_at": record.occurred_at.isoformat() if record.occurred_at else None,
    }


def add_note(
    *, user: AbstractBaseUser, attempt: Attempt, text: str, record: EvidenceRecord | None = None
) -> ReviewNote:
    """A note on `attempt`, or on one of its evidence records (kept by the record's identity,
    so it survives the evidence being fetched again)."""
    identity = {}
    if record is not None:
        device, label, occurred_at = EvidenceKey.identity_of(record)
        identity = {"device": device, "label": label, "occurred_at": occurred_at}
    with transaction.atomic():
        note = ReviewNote.objects.create(
            attempt=attempt, text=text, author=user, author_name=_name(user), **identity
        )
        audit_record(
            user=user,
            action=NOTE_ADD,
            attempt=attempt,
            summary=(f"Note on {record.label}: " if record else "Note: ") + text,
            detail={"note": note.pk, "text": text, **(_record_detail(record) if record else {})},
        )
    return note


def _dismissals_of(record):
    device, label, occurred_at = EvidenceKey.identity_of(record)
    return EvidenceDismissal.objects.filter(
        attempt_id=record.attempt_id, device=device, label=label, occurred_at=occurred_at
    )


def dismiss_record(
    *, user: AbstractBaseUser, record: EvidenceRecord, reason: str
) -> tuple[EvidenceDismissal, bool]:
    """Mark an evidence record as not counting, with why. A record already dismissed keeps its
    first dismissal; returns (dismissal, created)."""
    with transaction.atomic():
        Attempt.objects.select_for_update().filter(pk=record.attempt_id).first()
        existing = _dismissals_of(record).first()
        if existing is not None:
            return existing, False
        dismissal = _dismiss(user, record.attempt, record, reason)
    return dismissal, True


def dismiss_records(
    *, user: AbstractBaseUser, attempt: Attempt, records: list[EvidenceRecord], reason: str
) -> list[EvidenceDismissal]:
    """Dismiss several records of `attempt` for one reason (an incident, or every record of a
    label): each gets its own EvidenceDismissal and its own audit event, all or nothing.
    Records already dismissed keep their first dismissal; returns the new dismissals."""
    created = []
    with transaction.atomic():
        Attempt.objects.select_for_update().filter(pk=attempt.pk).first()
        existing = {
            dismissal.identity for dismissal in EvidenceDismissal.objects.filter(attempt=attempt)
        }
        for record in records:
            identity = EvidenceKey.identity_of(record)
            if record.attempt_id != attempt.pk or identity in existing:
                continue
            existing.add(identity)
            created.append(_dismiss(user, attempt, record, reason, together=len(records)))
    return created


def _dismiss(user, attempt, record, reason, together=1):
    device, label, occurred_at = EvidenceKey.identity_of(record)
    dismissal = EvidenceDismissal.objects.create(
        attempt=attempt,
        device=device,
        label=label,
        occurred_at=occurred_at,
        reason=reason,
        dismissed_by=user,
        dismissed_by_name=_name(user),
    )
    detail = {**_record_detail(record), "reason": reason}
    if together > 1:
        detail["records_together"] = together
    audit_record(
        user=user,
        action=EVIDENCE_DISMISS,
        attempt=attempt,
        summary=f"Dismissed {record.label}: {reason}",
        detail=detail,
    )
    return dismissal


def restore_record(*, user: AbstractBaseUser, record: EvidenceRecord) -> bool:
    """Count a dismissed record again. Returns whether it was dismissed; NotYourDismissal when
    another reviewer dismissed it and `user` may not overturn that."""
    with transaction.atomic():
        dismissals = list(_dismissals_of(record))
        if not dismissals:
            return False
        if not all(may_restore(user, dismissal) for dismissal in dismissals):
            raise NotYourDismissal(dismissals[0])
        EvidenceDismissal.objects.filter(pk__in=[item.pk for item in dismissals]).delete()
        audit_record(
            user=user,
            action=EVIDENCE_RESTORE,
            attempt=record.attempt,
            summary=f"Counted {record.label} again (dismissed by "
            f"{dismissals[0].dismissed_by_name}: {dismissals[0].reason})",
            detail={**_record_detail(record), "dismissal_reason": dismissals[0].reason},
        )
    return True


def review_history_delete(*, attempt_ids: list[int]) -> int:
    """Delete every review row of these attempts: the attempts are being deleted by a
    retention policy. History is append-only for people; a retention policy is the one thing
    that removes it, with the attempt it is about. Returns the rows deleted."""
    deleted = ReviewState.objects.filter(attempt_id__in=attempt_ids).delete()[0]
    for model in (VerdictChange, ReviewNote, EvidenceDismissal):
        # A plain QuerySet: the append-only manager refuses deletes on purpose.
        deleted += QuerySet(model).filter(attempt_id__in=attempt_ids).delete()[0]
    return deleted


EVIDENCE_DISMISS_WINDOW = "evidence.dismiss_window"


def dismiss_window(
    *,
    user: AbstractBaseUser,
    lookup_key: str,
    label: str,
    start: datetime,
    end: datetime,
    reason: str,
) -> list[EvidenceDismissal]:
    """Dismiss every `label` violation of the test `lookup_key` that occurred in [start, end)
    (a spike the whole room shared), with one EvidenceDismissal and one audit entry per event.
    Events already dismissed keep their first dismissal. Returns the new dismissals."""
    if not reason.strip():
        raise ReviewRefused("Nothing was dismissed: give a reason (what happened in the room).")
    if end <= start:
        raise ReviewRefused("Nothing was dismissed: the window ends before it starts.")
    with transaction.atomic():
        records = list(
            EvidenceRecord.objects.select_related("attempt")
            .filter(
                attempt__lookup_key=lookup_key,
                label=label,
                is_violation=True,
                occurred_at__gte=start,
                occurred_at__lt=end,
            )
            .order_by("attempt_id", "occurred_at", "pk")
        )
        attempt_ids = sorted({record.attempt_id for record in records})
        list(Attempt.objects.select_for_update().filter(pk__in=attempt_ids).values("pk"))
        taken = set(
            EvidenceDismissal.objects.filter(
                attempt_id__in=attempt_ids, label=label, occurred_at__gte=start, occurred_at__lt=end
            ).values_list("attempt_id", "device", "label", "occurred_at")
        )
        fresh, seen = [], set()
        for record in records:
            key = (record.attempt_id, *EvidenceKey.identity_of(record))
            if key in taken or key in seen:
                continue
            seen.add(key)
            fresh.append(record)
        dismissals = EvidenceDismissal.objects.bulk_create(
            [
                EvidenceDismissal(
                    attempt_id=record.attempt_id,
                    device=record.device,
                    label=record.label,
                    occurred_at=record.occurred_at,
                    reason=reason,
                    dismissed_by=user,
                    dismissed_by_name=_name(user),
                )
                for record in fresh
            ]
        )
        window = f"{start.isoformat()} to {end.isoformat()}"
        for record in fresh:
            audit_record(
                user=user,
                action=EVIDENCE_DISMISS_WINDOW,
                attempt=record.attempt,
                summary=f"Dismissed {record.label} across {lookup_key} ({window}): {reason}",
                detail={**_record_detail(record), "reason": reason, "window": window},
            )
    return dismissals
