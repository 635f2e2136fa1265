"""The overview's figures and charts read from the tallies the database keeps.

The overview counts every attempt and every violation; read from the rows, that is most of a
second at a million attempts. The database keeps the same counts folded by test (trust band,
day, label: proctoring.tally_models, kept by triggers on every write), so these read a few
thousand tally rows, and the scoped overview only its tests' rows. Where a figure needs more
than a band's count (the attempts under a threshold that falls inside a band, the median) a
short ordered read of the trust-score index settles it exactly, so every figure is the one the
rows give: tests/test_overview_tallies.py compares them with a recomputation.

Each function takes `scope` (access.scopes.Scope): the tests whose figures it counts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from access.scopes import EVERY_TEST, Scope
from dashboard.selectors.charts import (
    ATTEMPTS_PER_DAY_DAYS,
    TRUST_BUCKETS,
    Chart,
    label_chart,
    per_day_chart,
    trust_chart,
)
from dashboard.selectors.charts import (
    attempts_per_day as counted_per_day,
)
from proctoring.models import Attempt
from proctoring.tallies import bucket_of, bucket_start, counted_zone
from proctoring.tally_models import AttemptDay, AttemptTally, ViolationTally
from review.thresholds import custom_thresholds, default_threshold

PERCENT = 100  # the tally's bands per unit of trust score


def _attempts(scope: Scope) -> QuerySet[Attempt]:
    return Attempt.objects.filter(scope.q())


def threshold_bands(custom: dict[str, float], default: float) -> tuple[Q, Q]:
    """Under a threshold: (the tally rows of each test's bands wholly below its threshold, the
    attempts of the band its threshold falls in, under it), to count and to read."""
    whole_bands, partial_band = ~Q(lookup_key__in=list(custom)), ~Q(lookup_key__in=list(custom))
    whole_bands &= Q(bucket__gte=0, bucket__lt=bucket_of(default))
    partial_band &= Q(trust_score__gte=bucket_start(bucket_of(default)), trust_score__lt=default)
    for key, threshold in custom.items():
        whole_bands |= Q(lookup_key=key, bucket__gte=0, bucket__lt=bucket_of(threshold))
        partial_band |= Q(
            lookup_key=key,
            trust_score__gte=bucket_start(bucket_of(threshold)),
            trust_score__lt=threshold,
        )
    return whole_bands, partial_band


def overview_figures(*, scope: Scope = EVERY_TEST) -> dict[str, Any]:
    """The overview's headline figures: four small queries, whatever the number of attempts."""
    tallies = AttemptTally.objects.filter(scope.q())
    custom = custom_thresholds()
    default = default_threshold()
    whole_bands, partial_band = threshold_bands(custom, default)
    # One pass over the scope's tally rows, by band: every count, and the bands for the median.
    rows = list(
        tallies.values_list("bucket")
        .annotate(
            n=Sum("attempts"),
            sent=Sum("submitted"),
            busy=Sum("awaiting_evidence"),
            under=Sum("attempts", filter=whole_bands, default=0),
        )
        .order_by("bucket")
        .values_list("bucket", "n", "sent", "busy", "under")
    )
    attempts = sum(row[1] for row in rows)
    in_band = _attempts(scope).filter(partial_band).count() if attempts else 0
    bands = [(band, n) for band, n, *_ in rows if band >= 0]
    return {
        "attempts": attempts,
        "submitted": sum(row[2] for row in rows),
        "under_threshold": sum(row[4] for row in rows) + in_band,
        "evidence_processing": sum(row[3] for row in rows),
        "median_trust_score": median_trust_score(scope, bands),
        "review_threshold": default,
    }


def _bands(scope: Scope) -> list[tuple[int, int]]:
    """[(band, scored attempts)] of the scope, lowest band first."""
    rows = (
        AttemptTally.objects.filter(scope.q(), bucket__gte=0)
        .values_list("bucket")
        .annotate(n=Sum("attempts"))
        .order_by("bucket")
        .values_list("bucket", "n")
    )
    return list(rows)


def middle_bands(bands: list[tuple[int, int]]) -> tuple[int, int, int, int] | None:
    """Where the median lies in [(band, scored attempts)] (lowest band first): (the band of the
    first middle score, the band of the last, how many scores of the first band come before
    it, how many middle scores: 1 or 2), or None when nothing is scored."""
    total = sum(n for _, n in bands)
    if not total:
        return None
    middle, before = (total - 1) // 2, 0
    wanted = 2 if total % 2 == 0 else 1
    first = last = skip = None
    for band, n in bands:
        if first is None and before + n > middle:
            first, skip = band, middle - before
        if before + n >= middle + wanted:
            last = band
            break
        before += n
    return first, last, skip, wanted


def median_trust_score(scope: Scope, bands: list[tuple[int, int]]) -> float | None:
    """The median of the scope's trust scores, as PostgreSQL's percentile_cont(0.5) gives it:
    the bands holding the one or two middle scores are found in the tally, then those scores
    are read from the attempts of those bands only."""
    found = middle_bands(bands)
    if found is None:
        return None
    first, last, skip, wanted = found
    scores = _attempts(scope).filter(trust_score__gte=bucket_start(first))
    if scope.unrestricted:
        # The trust-score index, read in order from the band's first score: a short walk.
        values = list(
            scores.order_by("trust_score").values_list("trust_score", flat=True)[
                skip : skip + wanted
            ]
        )
    else:
        # A few tests' scores of one or two bands, sorted here: ordered by the database, the
        # planner would walk the whole trust-score index for the tests' rows (benchmarks).
        band_scores = scores.filter(trust_score__lt=bucket_start(last + 1))
        values = sorted(band_scores.values_list("trust_score", flat=True))[skip : skip + wanted]
    low, high = values[0], values[-1]
    return low + (high - low) * 0.5


def trust_distribution(*, scope: Scope = EVERY_TEST) -> Chart:
    """The scored attempts per 5 % band with the review threshold: five tally bands each."""
    values = [0] * TRUST_BUCKETS
    per = PERCENT // TRUST_BUCKETS
    for band, n in _bands(scope):
        values[min(band // per, TRUST_BUCKETS - 1)] += n  # a score of exactly 1.0 joins the top
    return trust_chart(values, default_threshold())


def violations_by_label(*, scope: Scope = EVERY_TEST) -> Chart:
    """Violations by label, most frequent first, from the label tally."""
    rows = (
        ViolationTally.objects.filter(scope.q())
        .values_list("label")
        .annotate(count=Sum("violations"))
        .order_by("-count", "label")
        .values_list("label", "count")
    )
    return label_chart(rows)


def attempts_per_day(days: int = ATTEMPTS_PER_DAY_DAYS, *, scope: Scope = EVERY_TEST) -> Chart:
    """Attempts started on each of the last `days` days in the current time zone, from the day
    tally; counted from the attempts while the tally counts another zone's days (TIME_ZONE
    changed and the tallies were not rebuilt since: docs/operations.md)."""
    if counted_zone() != timezone.get_current_timezone_name():
        return counted_per_day(days, attempts=None if scope.unrestricted else _attempts(scope))
    today = timezone.localdate()
    first_day = today - timedelta(days=days - 1)
    counts = dict(
        AttemptDay.objects.filter(scope.q(), day__gte=first_day)
        .values_list("day")
        .annotate(count=Sum("attempts"))
        .order_by()
        .values_list("day", "count")
    )
    return per_day_chart(first_day, days, counts)
