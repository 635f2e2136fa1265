"""Removing attempts' personal data, in one place for the retention policies and for a
candidate's erasure request.

Erasing keeps the attempt's figures for statistics (test, times, trust score, violation
count) and removes who it was: name, email, the attempt as received (`raw`, which holds them
too) and its evidence records (photos, audio, their raw JSON). Deleting removes the row and
everything about it, reviewers' history included. Either way a tombstone by attempt id
(proctoring's ErasureTombstone) keeps the next sync from bringing the attempt back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.db.models import DateTimeField, Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from proctoring import signals as sync_signals
from proctoring.models import Attempt, ErasureTombstone, EvidenceRecord
from retention import signals
from retention.forget import forget, forget_everywhere, forget_on_attempts, people_of
from review.services import review_history_delete

DEFAULT_BATCH_SIZE = 500


def not_tombstoned(attempts: QuerySet[Attempt]) -> QuerySet[Attempt]:
    """The attempts not erased yet."""
    return attempts.exclude(
        Exists(
            ErasureTombstone.objects.filter(
                client_id=OuterRef("client_id"), test_attempt_id=OuterRef("test_attempt_id")
            )
        )
    )


def in_batches(queryset: QuerySet, action: Callable[[list[int]], object], batch_size: int) -> int:
    """Apply `action` to the rows' ids, `batch_size` at a time, each batch in its own short
    transaction (no lock held across the whole purge). Returns how many rows were handled."""
    done, last = 0, 0
    while True:
        ids = list(
            queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return done
        with transaction.atomic():
            action(ids)
        done += len(ids)
        last = ids[-1]


def tombstone(attempt_ids: list[int], reason: str, *, now: datetime | None = None) -> None:
    ErasureTombstone.objects.bulk_create(
        [
            ErasureTombstone(
                client_id=client_id,
                test_attempt_id=test_attempt_id,
                reason=reason,
                erased_at=now or timezone.now(),
            )
            for client_id, test_attempt_id in Attempt.objects.filter(
                pk__in=attempt_ids
            ).values_list("client_id", "test_attempt_id")
        ],
        ignore_conflicts=True,
    )


def erase_attempts(attempt_ids: list[int], reason: str, *, now: datetime | None = None) -> None:
    """Erase who these attempts were, here and wherever the product copied their email or
    name (retention.forget), keep their figures, and remember them as erased."""
    now = now or timezone.now()
    people = people_of(attempt_ids)
    tombstone(attempt_ids, reason, now=now)
    EvidenceRecord.objects.filter(attempt_id__in=attempt_ids).delete()
    signals.personal_data_erased.send(sender="retention", attempt_ids=attempt_ids)
    Attempt.objects.filter(pk__in=attempt_ids).update(
        candidate_name="",
        candidate_email="",
        raw={},
        # Out of the evidence pass's queue for good: there is nothing left to fetch for it.
        evidence_fetched_at=Coalesce("evidence_fetched_at", now),
        evidence_claimed_until=None,
        evidence_recheck_at=None,
        sync_error="",
        sync_error_at=None,
        sync_error_count=0,
    )
    forget(people)
    sync_signals.announce(sync_signals.evidence_changed, attempt_ids=attempt_ids)


def delete_attempts(attempt_ids: list[int], reason: str, *, now: datetime | None = None) -> None:
    """Delete these attempts and everything about them (their email and name copied
    elsewhere too: retention.forget), and remember them as deleted."""
    people = people_of(attempt_ids)
    tombstone(attempt_ids, reason, now=now)
    review_history_delete(attempt_ids=attempt_ids)
    # The audit entries about them are rewritten while they still point at them.
    forget_on_attempts(people)
    Attempt.objects.filter(pk__in=attempt_ids).delete()
    forget_everywhere(people)
    sync_signals.announce(sync_signals.evidence_changed, attempt_ids=attempt_ids)


def delete_evidence(attempt_ids: list[int]) -> None:
    """Delete these attempts' evidence records (and the raw evidence JSON kept on them)."""
    EvidenceRecord.objects.filter(attempt_id__in=attempt_ids).delete()
    sync_signals.announce(sync_signals.evidence_changed, attempt_ids=attempt_ids)
    # Out of the evidence pass's queue for good, so the purged evidence is not fetched again,
    # even when AutoProctor later reports the attempt changed (see proctoring.sync.results).
    now = timezone.now()
    Attempt.objects.filter(pk__in=attempt_ids).update(
        evidence_purged_at=now,
        evidence_fetched_at=Coalesce("evidence_fetched_at", Value(now, DateTimeField())),
    )
