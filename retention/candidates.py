"""A candidate's erasure request: every attempt with their email, erased and remembered.

The attempts keep their figures and the reviewers' notes and verdicts on them, which no
longer lead to the person (name, email and the attempt as received are gone, with the
evidence). An attempt under a legal hold is left as it is and reported: the hold wins until
someone releases it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from audit.services import audit_record
from proctoring.models import Attempt
from retention import erasure, policies
from retention.models import PurgeKind, PurgeLogEntry


@dataclass
class ErasureReport:
    erased: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)


def candidate_erase(*, email: str, dry_run: bool = False) -> ErasureReport:
    """Erase every attempt whose candidate email is `email` (any case)."""
    attempts = Attempt.objects.filter(candidate_email__iexact=email.strip())
    held_ids = set(
        attempts.filter(pk__in=policies.held_attempts().values("pk")).values_list("pk", flat=True)
    )
    report = ErasureReport()
    due = []
    for pk, test_attempt_id in attempts.order_by("pk").values_list("pk", "test_attempt_id"):
        (report.held if pk in held_ids else report.erased).append(test_attempt_id)
        if pk not in held_ids:
            due.append(pk)
    if dry_run or not due:
        return report
    now = timezone.now()
    erasure.in_batches(
        Attempt.objects.filter(pk__in=due),
        lambda ids: erasure.erase_attempts(ids, "erasure request", now=now),
        erasure.DEFAULT_BATCH_SIZE,
    )
    PurgeLogEntry.objects.create(
        at=now,
        kind=PurgeKind.ERASURE_REQUEST,
        count=len(due),
        policy="erasure request",
        started_by="erase_candidate command",
    )
    audit_record(
        user=None,
        action="candidate.erase",
        summary=f"Erased a candidate's data on request: {len(due)} attempt(s)",
        detail={"attempts": len(due), "held": len(report.held)},
    )
    return report
