"""`apply_retention`: every retention policy applied once, in batches, each purge logged.

A dry run reads the same querysets and says what would go (attempt ids, counts), changing
nothing. A real run deletes or erases batch by batch, each batch in its own short
transaction, and writes one PurgeLogEntry per policy that removed something.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from retention import erasure, policies
from retention.models import PurgeKind, PurgeLogEntry


@dataclass
class Outcome:
    """What one policy removed (or, in a dry run, would remove)."""

    kind: str
    policy: policies.Policy
    cutoff: datetime
    count: int = 0
    # Attempts' own ids (never names or emails), for a dry run to list.
    attempt_ids: list[str] = field(default_factory=list)

    def describe(self, *, dry_run: bool) -> str:
        verb = "would remove" if dry_run else "removed"
        label = PurgeKind(self.kind).label
        before = f"{self.cutoff:%Y-%m-%d %H:%M} UTC"
        return f"{self.policy} (before {before}): {verb} {self.count} — {label}"


def apply_retention(
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    started_by: str = "schedule",
    batch_size: int | None = None,
) -> list[Outcome]:
    """Apply every enabled policy; return one Outcome per enabled policy."""
    now = now or timezone.now()
    batch_size = batch_size or settings.RETAIN_BATCH_SIZE
    deleting = settings.RETAIN_ATTEMPTS_ACTION == policies.DELETE
    steps: list[tuple[str, str, Callable[[datetime], QuerySet], Callable[[list[int]], object]]] = [
        (
            PurgeKind.EVIDENCE,
            "RETAIN_EVIDENCE_DAYS",
            policies.evidence_due,
            lambda ids: erasure.delete_evidence(_recheck(policies.evidence_due(now), ids)),
        ),
        (
            PurgeKind.ATTEMPTS_DELETED if deleting else PurgeKind.ATTEMPTS_ERASED,
            "RETAIN_ATTEMPTS_DAYS",
            policies.attempts_due,
            lambda ids: (erasure.delete_attempts if deleting else erasure.erase_attempts)(
                _recheck(policies.attempts_due(now), ids), "retention", now=now
            ),
        ),
        (
            PurgeKind.AUDIT_EVENTS,
            "RETAIN_AUDIT_DAYS",
            policies.audit_events_due,
            lambda ids: _delete(policies.audit_events_due(now), ids),
        ),
        (
            PurgeKind.SYNC_RUNS,
            "RETAIN_SYNC_RUNS_DAYS",
            policies.sync_runs_due,
            lambda ids: _delete(policies.sync_runs_due(now), ids),
        ),
    ]
    outcomes = []
    for kind, setting, due, action in steps:
        rule = policies.policy(setting)
        if not rule.enabled:
            continue
        outcome = Outcome(kind=kind, policy=rule, cutoff=rule.cutoff(now))
        queryset = due(now)
        if dry_run:
            if kind in (PurgeKind.EVIDENCE, PurgeKind.ATTEMPTS_ERASED, PurgeKind.ATTEMPTS_DELETED):
                outcome.attempt_ids = list(
                    queryset.order_by("pk").values_list("test_attempt_id", flat=True)
                )
                outcome.count = len(outcome.attempt_ids)
            else:
                outcome.count = queryset.count()
        else:
            outcome.count = erasure.in_batches(queryset, action, batch_size)
            if outcome.count:
                PurgeLogEntry.objects.create(
                    at=now,
                    kind=kind,
                    count=outcome.count,
                    policy=str(rule),
                    cutoff=outcome.cutoff,
                    started_by=started_by,
                )
        outcomes.append(outcome)
    return outcomes


def _recheck(due: QuerySet, ids: list[int]) -> list[int]:
    """The batch's rows still due, read inside the batch's transaction: a legal hold placed
    since the batch was chosen wins."""
    return list(due.filter(pk__in=ids).values_list("pk", flat=True))


def _delete(due: QuerySet, ids: list[int]) -> None:
    due.filter(pk__in=_recheck(due, ids)).delete()
