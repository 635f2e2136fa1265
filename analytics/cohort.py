"""The cohort's minute strip: violations per wall-clock minute across a test, by label.

A spike shared by many attempts at once (noise for everyone at 10:42) is the room or the
platform, not one candidate: the strip shows it as a hot column, and a reviewer can dismiss
that label for that window across the test in one action (review.services.dismiss_window).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Sum

from analytics.models import ViolationMinute
from dashboard.selectors.charts import Chart, label_chart

# The strip shows at most this many minutes: the busiest ones, in time order.
MAX_MINUTES = 90
# A minute is a spike for a label when at least this many attempts, and this share of the
# attempts with violations that minute, have it.
SPIKE_ATTEMPTS = 3
# The strip lists at most this many spikes (each with its dismissal form): those shared by the
# most attempts. A test of 50,000 over two hours has a spike in every minute of every label.
MAX_SPIKES = 20
HEAT_LEVELS = 4


@dataclass
class StripRow:
    label: str
    cells: list[tuple[int, int, int]] = field(default_factory=list)  # (count, attempts, level)


@dataclass
class Strip:
    minutes: list[datetime]
    rows: list[StripRow]
    spikes: list[tuple[datetime, str, int]]  # (minute, label, attempts), by minute
    hidden_minutes: int  # minutes with violations left out of the strip (quieter ones)
    hidden_spikes: int = 0  # spikes shared by fewer attempts, not listed


def minute_strip(lookup_key: str) -> Strip:
    """The test's violations per (label, minute), one query of the cells the worker keeps
    (analytics.minutes): a few hundred rows however many attempts the test has."""
    rows = ViolationMinute.objects.filter(lookup_key=lookup_key, minute__isnull=False).values_list(
        "label", "minute", "violations", "attempts"
    )
    cells = {}
    per_minute = defaultdict(int)
    for label, minute, count, attempts in rows:
        cells[(label, minute)] = (count, attempts)
        per_minute[minute] += count
    busiest = sorted(per_minute, key=lambda minute: (-per_minute[minute], minute))[:MAX_MINUTES]
    minutes = sorted(busiest)
    labels = sorted({label for label, _ in cells})
    top = max((count for count, _ in cells.values()), default=1)
    strip_rows = []
    for label in labels:
        row = StripRow(label)
        for minute in minutes:
            count, attempts = cells.get((label, minute), (0, 0))
            level = 0 if not count else max(1, round(HEAT_LEVELS * count / top))
            row.cells.append((count, attempts, level))
        strip_rows.append(row)
    spikes = sorted(
        (
            (minute, label, attempts)
            for (label, minute), (_, attempts) in cells.items()
            if attempts >= SPIKE_ATTEMPTS
        ),
        key=lambda spike: (-spike[2], spike[0], spike[1]),
    )
    return Strip(
        minutes,
        strip_rows,
        sorted(spikes[:MAX_SPIKES]),
        len(per_minute) - len(minutes),
        len(spikes[MAX_SPIKES:]),
    )


def violations_by_label(lookup_key: str) -> Chart:
    """The test's "violations by kind" chart from the same cells (timed or not): one query."""
    return label_chart(
        ViolationMinute.objects.filter(lookup_key=lookup_key)
        .values_list("label")
        .annotate(count=Sum("violations"))
        .order_by("-count", "label")
        .values_list("label", "count")
    )
