"""Which attempts the evidence pass considers, when the results listing does not say whether an
attempt's evidence is ready.

The listing's `evidence_status` is only assumed (docs/autoproctor-api.md). Without it, a
submitted attempt whose status is unknown is a candidate: the one-attempt call decides. When
that call says "not ready yet", the attempt is asked again after a back-off that grows with
the attempt's age (a minute at first, at most a few hours), so it is never lost and never
hammered.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from proctoring.models import EvidenceStatus

FIRST_RECHECK = timedelta(minutes=1)
LAST_RECHECK = timedelta(hours=3)


def awaiting_evidence(now: datetime) -> Q:
    """Attempts whose evidence is not stored and that are ready, or may be: processed by the
    listing's word, or submitted with no word (or a due re-check) from the one-attempt call."""
    processed = Q(evidence_status=EvidenceStatus.PROCESSED)
    unknown = Q(submitted_at__isnull=False) & (
        Q(evidence_status="") | Q(evidence_recheck_at__isnull=False)
    )
    due = Q(evidence_recheck_at__isnull=True) | Q(evidence_recheck_at__lte=now)
    return Q(evidence_fetched_at__isnull=True) & (processed | (unknown & due))


def next_recheck(submitted_at: datetime | None, now: datetime | None = None) -> datetime:
    """When to ask again about evidence that is not ready: half the attempt's age, bounded."""
    now = now or timezone.now()
    age = now - submitted_at if submitted_at else FIRST_RECHECK
    return now + min(max(age / 2, FIRST_RECHECK), LAST_RECHECK)
