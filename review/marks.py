"""The writes of reviewing that are about evidence: notes (on an attempt or one record) and
dismissals (a record that does not count, one at a time, several for one reason, or a label
across a test for a time window). Like the verdicts in review.services, each writes its rows and
its audit event in one transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from audit.services import audit_record
from proctoring.models import Attempt, EvidenceRecord
from review.models import EvidenceDismissal, EvidenceKey, ReviewNote
from review.permissions import may_restore
from review.refusals import NotYourDismissal, ReviewRefused

# What the audit trail calls each action on evidence.
NOTE_ADD = "note.add"
EVIDENCE_DISMISS = "evidence.dismiss"
EVIDENCE_RESTORE = "evidence.restore"
EVIDENCE_DISMISS_WINDOW = "evidence.dismiss_window"


def _name(user):
    return user.get_username()


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
