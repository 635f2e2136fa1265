"""Which rows each retention policy lets go, at a given moment.

An attempt's age is counted from its submission (its start, or when we first saw it, when it
has none) or from its last verdict, whichever is later: an attempt someone judged recently is
kept as long as one submitted then. An attempt under an active legal hold, or belonging to a
test under one, is never due. Every function takes `now`, so tests run on a fixed clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest

from audit.models import AuditEvent
from proctoring.models import Attempt, EvidenceRecord, SyncRun
from retention.erasure import not_tombstoned
from retention.models import LegalHold

ERASE, DELETE = "erase", "delete"


@dataclass(frozen=True)
class Policy:
    setting: str
    days: int

    @property
    def enabled(self) -> bool:
        return self.days > 0

    def cutoff(self, now: datetime) -> datetime:
        return now - timedelta(days=self.days)

    def __str__(self) -> str:
        return f"{self.setting}={self.days}"


def policy(setting: str) -> Policy:
    return Policy(setting, getattr(settings, setting))


def held_attempts() -> QuerySet[Attempt]:
    """Attempts under an active legal hold, on themselves or on their test."""
    holds = LegalHold.objects.active()
    return Attempt.objects.filter(
        Q(pk__in=holds.filter(attempt__isnull=False).values("attempt_id"))
        | Q(lookup_key__in=holds.filter(attempt__isnull=True).values("lookup_key"))
    )


def under_hold(attempt: str = "pk", test: str = "lookup_key") -> Exists:
    """An active legal hold is on the row's attempt (the outer query's `attempt` column) or on
    its test (`test`). A probe of the few holds per row read, so a purge's batch reads its own
    rows only (a filter on `held_attempts()` read every attempt of the table for each batch)."""
    on_attempt = Q(attempt_id=OuterRef(attempt))
    on_test = Q(attempt__isnull=True, lookup_key=OuterRef(test))
    return Exists(LegalHold.objects.active().filter(on_attempt | on_test))


def _aged(attempts: QuerySet[Attempt], cutoff: datetime) -> QuerySet[Attempt]:
    submitted = Coalesce("submitted_at", "started_at", "first_seen_at")
    return (
        attempts.annotate(
            retention_from=Greatest(submitted, Coalesce(F("review__reviewed_at"), submitted))
        )
        .filter(retention_from__lt=cutoff)
        .exclude(under_hold())
    )


def evidence_due(now: datetime) -> QuerySet[Attempt]:
    """Attempts whose evidence records RETAIN_EVIDENCE_DAYS lets go."""
    rule = policy("RETAIN_EVIDENCE_DAYS")
    if not rule.enabled:
        return Attempt.objects.none()
    with_evidence = Attempt.objects.filter(
        Exists(EvidenceRecord.objects.filter(attempt=OuterRef("pk")))
    )
    return _aged(with_evidence, rule.cutoff(now))


def attempts_due(now: datetime) -> QuerySet[Attempt]:
    """Attempts RETAIN_ATTEMPTS_DAYS lets go (erased or deleted: RETAIN_ATTEMPTS_ACTION)."""
    rule = policy("RETAIN_ATTEMPTS_DAYS")
    if not rule.enabled:
        return Attempt.objects.none()
    return _aged(not_tombstoned(Attempt.objects.all()), rule.cutoff(now))


def audit_events_due(now: datetime) -> QuerySet[AuditEvent]:
    """Audit events older than RETAIN_AUDIT_DAYS, except those about a held attempt."""
    rule = policy("RETAIN_AUDIT_DAYS")
    if not rule.enabled:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(at__lt=rule.cutoff(now)).exclude(
        under_hold("attempt_id", "attempt__lookup_key")
    )


def sync_runs_due(now: datetime) -> QuerySet[SyncRun]:
    """Finished sync runs older than RETAIN_SYNC_RUNS_DAYS. The latest run of each stage and
    mode stays whatever its age: the sync reads it (when the last full sweep was, the
    listing's order)."""
    rule = policy("RETAIN_SYNC_RUNS_DAYS")
    if not rule.enabled:
        return SyncRun.objects.none()
    latest = (
        SyncRun.objects.order_by()
        .values("kind", "mode")
        .annotate(latest=Max("pk"))
        .values("latest")
    )
    return (
        SyncRun.objects.filter(started_at__lt=rule.cutoff(now))
        .exclude(status=SyncRun.Status.RUNNING)
        .exclude(pk__in=list(latest.values_list("latest", flat=True)))
    )
