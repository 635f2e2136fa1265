"""The data behind each chart: one function per chart, one query each.

The same values feed the JSON endpoint a chart draws from and the small table shown beside it
(which is what a browser without JavaScript, or a screen reader, gets). Values are plain lists
of labels and numbers; static/js/charts.js decides how they look.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, F, QuerySet, Value
from django.db.models.functions import Floor, TruncDate
from django.utils import timezone

from dashboard.labels import label_colour, label_words
from proctoring.models import Attempt, EvidenceRecord, UsageSnapshot

ATTEMPTS_PER_DAY_DAYS = 30
# A chart's title, its labels and the value of each: {"title", "labels", "values"}.
Chart = dict[str, Any]
TRUST_BUCKETS = 20  # 5 % wide, so the 85 % default threshold falls on a bucket edge
BALANCE_DAYS = 90


def attempts_per_day(
    days: int = ATTEMPTS_PER_DAY_DAYS, *, attempts: QuerySet[Attempt] | None = None
) -> Chart:
    """Attempts (of `attempts`, all by default) started on each of the last `days` days (in
    TIME_ZONE), zero days included."""
    today = timezone.localdate()
    first_day = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first_day, time.min))
    counts = dict(
        (Attempt.objects.all() if attempts is None else attempts)
        .filter(started_at__gte=start)
        .annotate(day=TruncDate("started_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("day", "count")
    )
    return per_day_chart(first_day, days, counts)


def per_day_chart(first_day: date, days: int, counts: dict[date, int]) -> Chart:
    """The per-day chart of `counts` ({day: attempts}) over `days` days from `first_day`."""
    day_list = [first_day + timedelta(days=offset) for offset in range(days)]
    return {
        "title": f"Attempts started per day, last {days} days",
        "labels": [day.isoformat() for day in day_list],
        "values": [counts.get(day, 0) for day in day_list],
    }


def trust_distribution(
    buckets: int = TRUST_BUCKETS,
    *,
    attempts: QuerySet[Attempt] | None = None,
    threshold: float | None = None,
) -> Chart:
    """How many scored attempts (of `attempts`, all by default) fall in each trust-score band,
    with the review threshold (`threshold`, the default one when not given)."""
    attempts = Attempt.objects.all() if attempts is None else attempts
    rows = (
        attempts.filter(trust_score__isnull=False)
        .annotate(bucket=Floor(F("trust_score") * Value(float(buckets))))
        .values_list("bucket")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("bucket", "count")
    )
    values = [0] * buckets
    for bucket, count in rows:
        values[min(int(bucket), buckets - 1)] += count  # a score of exactly 1.0 joins the top
    return trust_chart(values, settings.REVIEW_THRESHOLD if threshold is None else threshold)


def trust_chart(values: list[int], threshold: float) -> Chart:
    """The trust-score chart of `values` (attempts per band, lowest first) and `threshold`."""
    width = 100 // len(values)
    threshold = threshold * 100
    return {
        "title": "Trust scores of scored attempts",
        "labels": [f"{low}–{low + width} %" for low in range(0, 100, width)],
        "values": values,
        "below_threshold": [low + width <= threshold for low in range(0, 100, width)],
        "threshold_percent": round(threshold, 2),
    }


def violations_by_label(*, attempts: QuerySet[Attempt] | None = None) -> Chart:
    """Violations (of `attempts`, all by default) counted by label, most frequent first; labels
    in words."""
    # COUNT(*) rather than COUNT(id): the (label, is_violation) index alone then answers it,
    # without reading the table (benchmarks/HISTORY.md, fix 2).
    records = EvidenceRecord.objects.filter(is_violation=True)
    if attempts is not None:
        records = records.filter(attempt__in=attempts.values("pk"))
    rows = (
        records.values_list("label")
        .annotate(count=Count("*"))
        .order_by("-count", "label")
        .values_list("label", "count")
    )
    return label_chart(rows)


def label_chart(rows: list[tuple[str, int]]) -> Chart:
    """The "violations by kind" chart of (label, count) rows, most frequent first."""
    rows = list(rows)
    return {
        "title": "Violations by kind",
        "labels": [label_words(label) for label, _ in rows],
        "values": [count for _, count in rows],
        "colours": [label_colour(label) for label, _ in rows],
    }


def credit_balance(days: int = BALANCE_DAYS) -> Chart:
    """Credits remaining at each usage snapshot of the last `days` days, oldest first."""
    since = timezone.now() - timedelta(days=days)
    rows = list(
        UsageSnapshot.objects.filter(taken_at__gte=since, credits_remaining__isnull=False)
        .order_by("taken_at", "pk")
        .values_list("taken_at", "credits_remaining")
    )
    return {
        "title": f"Credits remaining, last {days} days",
        "labels": [timezone.localtime(taken_at).strftime("%Y-%m-%d %H:%M") for taken_at, _ in rows],
        "values": [credits for _, credits in rows],
    }
