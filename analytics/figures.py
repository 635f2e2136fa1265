"""The figures of tests: one row per test for the index, the same figures for one test's page.

Everything is counted by the database in one grouped query (the medians too on PostgreSQL;
plus one for the thresholds), whatever the number of tests or attempts. "Needs review" is the
review queue's own rule (review.selectors.needs_review) with each test's threshold, read through
one join of the review state; "credits" come
from the latest usage snapshot, which AutoProctor breaks down by lookup key.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Min, Q, QuerySet

from dashboard.selectors import PercentileCont, latest_usage, usage_by_lookup_key
from proctoring.models import Attempt, EvidenceStatus
from review.models import Verdict
from review.selectors import needs_review_joined
from review.thresholds import below_threshold, custom_thresholds, default_threshold


@dataclass
class Figures:
    """One test's figures. Shares are fractions (None when there is nothing to divide by)."""

    lookup_key: str
    attempts: int
    submitted: int
    scored: int
    below_threshold: int
    needs_review: int
    reviewed: int
    confirmed: int
    cleared: int
    first_attempt: datetime | None
    last_attempt: datetime | None
    threshold: float
    own_threshold: bool
    median_trust: float | None = None
    credits: Any = None

    @property
    def below_share(self) -> float | None:
        return self.below_threshold / self.scored if self.scored else None

    @property
    def reviewed_share(self) -> float | None:
        return self.reviewed / self.attempts if self.attempts else None


def _counts(threshold_q: Q, custom: dict[str, float]) -> dict[str, Any]:
    """Counted through one LEFT JOIN of the review state (review.selectors.needs_review_joined)."""
    queued = (
        needs_review_joined(custom)
        & Q(submitted_at__isnull=False)
        & Q(evidence_status=EvidenceStatus.PROCESSED)
    )
    return {
        "attempts": Count("pk"),
        "submitted": Count("pk", filter=Q(submitted_at__isnull=False)),
        "scored": Count("pk", filter=Q(trust_score__isnull=False)),
        "below_threshold": Count("pk", filter=threshold_q),
        "needs_review": Count("pk", filter=queued),
        "reviewed": Count("pk", filter=Q(review__isnull=False)),
        "confirmed": Count("pk", filter=Q(review__verdict=Verdict.VIOLATION)),
        "cleared": Count("pk", filter=Q(review__verdict=Verdict.CLEARED)),
        "first_attempt": Min("started_at"),
        "last_attempt": Max("started_at"),
    }


def _medians(attempts: QuerySet[Attempt]) -> dict[str, float]:
    """Median trust score per test, computed here (SQLite; PostgreSQL counts it with the other
    figures, see test_figures)."""
    scored = attempts.filter(trust_score__isnull=False).order_by()
    scores = defaultdict(list)
    for lookup_key, score in scored.values_list("lookup_key", "trust_score").iterator():
        scores[lookup_key].append(score)
    return {lookup_key: median(values) for lookup_key, values in scores.items()}


def credits_by_test() -> dict[str, Any]:
    snapshot = latest_usage()
    if snapshot is None:
        return {}
    return {row["lookup_key"]: row["credits"] for row in usage_by_lookup_key(snapshot)}


def test_figures(attempts: QuerySet[Attempt] | None = None) -> list[Figures]:
    """The figures of every test among `attempts` (all attempts by default), by lookup key.
    Attempts without a lookup key are left out: they belong to no test."""
    attempts = (Attempt.objects.all() if attempts is None else attempts).exclude(lookup_key="")
    custom = custom_thresholds()
    default = default_threshold()
    counts = _counts(below_threshold(custom), custom)
    if connection.vendor == "postgresql":
        # In the same pass over the attempts (percentile_cont skips unscored ones).
        counts["median"] = PercentileCont("trust_score", 0.5)
    rows = list(attempts.order_by().values("lookup_key").annotate(**counts))
    if connection.vendor == "postgresql":
        medians = {row["lookup_key"]: row.pop("median") for row in rows}
    else:
        medians = _medians(attempts)
    credits = credits_by_test()
    return [
        Figures(
            **row,
            threshold=custom.get(row["lookup_key"], default),
            own_threshold=row["lookup_key"] in custom,
            median_trust=medians.get(row["lookup_key"]),
            credits=credits.get(row["lookup_key"]),
        )
        for row in rows
    ]


def figures_of(lookup_key: str) -> Figures | None:
    """One test's figures, or None when no attempt has that lookup key."""
    found = test_figures(Attempt.objects.filter(lookup_key=lookup_key))
    return found[0] if found else None
