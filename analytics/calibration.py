"""How well trust scores and labels foretold the verdicts of a test, and the review threshold
that would have caught its confirmed violations with the fewest reviews.

Only attempts with a verdict teach anything: "Violation confirmed" and "Cleared" are the two
outcomes compared (Suspicious is not an outcome yet). The trust score used is the attempt's
current one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import Count, Q

from analytics import test_tallies
from proctoring.models import Attempt, EvidenceRecord
from review.models import Verdict
from review.thresholds import threshold_for

# The share of confirmed violations a suggested threshold must send to review.
COVERAGE = 0.95
# Thresholds are suggested to 0.01 % (a trust score shown with two decimals in percent).
STEP = 0.0001
# Under this many confirmed violations the suggestion is shown with a warning.
FEW_VERDICTS = 10


@dataclass(frozen=True)
class LabelOutcome:
    """Of the attempts with a violation of `label` that got a final verdict, how many were
    confirmed and how many cleared."""

    label: str
    confirmed: int
    cleared: int

    @property
    def confirmed_share(self) -> float | None:
        total = self.confirmed + self.cleared
        return self.confirmed / total if total else None


@dataclass(frozen=True)
class Suggestion:
    """The lowest threshold that sends `needed` of the `confirmed` violations to review, with
    what it costs (`reviews`: scored attempts under it) beside the test's current threshold."""

    threshold: float | None
    confirmed: int
    needed: int
    caught: int
    reviews: int
    current_threshold: float
    caught_now: int
    reviews_now: int
    scored: int

    @property
    def few_verdicts(self) -> bool:
        return self.confirmed < FEW_VERDICTS


def label_outcomes(lookup_key: str) -> list[LabelOutcome]:
    """Per violation label of the test: confirmed and cleared attempts (one query)."""
    attempts_with = "attempt"
    rows = (
        EvidenceRecord.objects.filter(
            is_violation=True,
            attempt__lookup_key=lookup_key,
            attempt__review__verdict__in=[Verdict.VIOLATION, Verdict.CLEARED],
        )
        .values("label")
        .annotate(
            confirmed=Count(
                attempts_with, distinct=True, filter=Q(attempt__review__verdict=Verdict.VIOLATION)
            ),
            cleared=Count(
                attempts_with, distinct=True, filter=Q(attempt__review__verdict=Verdict.CLEARED)
            ),
        )
        .order_by("label")
    )
    return [LabelOutcome(row["label"], row["confirmed"], row["cleared"]) for row in rows]


def just_above(score: float) -> float:
    """The smallest threshold on the STEP grid that a trust score of `score` is under."""
    return min(1.0, round(round(score, 4) + STEP, 4))


def suggest_threshold(
    lookup_key: str, scored_bands: list[tuple[int, int]] | None = None
) -> Suggestion:
    """The threshold that would have sent >= COVERAGE of the test's confirmed violations to
    review with the fewest reviews (three queries, two with the test's trust bands given). The
    number of reviews only grows with the threshold, so the lowest threshold reaching the
    coverage is the cheapest one: just above the trust score of the ceil(COVERAGE * n)-th
    confirmed violation, lowest first. What each threshold costs is counted from the test's
    trust bands (analytics.test_tallies), not from its attempts."""
    confirmed = sorted(
        Attempt.objects.filter(
            lookup_key=lookup_key, trust_score__isnull=False, review__verdict=Verdict.VIOLATION
        ).values_list("trust_score", flat=True)
    )
    current = threshold_for(lookup_key)
    needed = math.ceil(COVERAGE * len(confirmed))
    threshold = just_above(confirmed[needed - 1]) if confirmed else None
    if scored_bands is None:
        scored_bands = test_tallies.bands(lookup_key)
    reviews, reviews_now = test_tallies.scored_under(
        lookup_key, scored_bands, [threshold if threshold is not None else 0.0, current]
    )
    return Suggestion(
        threshold=threshold,
        confirmed=len(confirmed),
        needed=needed,
        caught=sum(1 for score in confirmed if threshold is not None and score < threshold),
        reviews=reviews,
        current_threshold=current,
        caught_now=sum(1 for score in confirmed if score < current),
        reviews_now=reviews_now,
        scored=sum(n for _, n in scored_bands),
    )
