"""The cohort's minute strip: violations per wall-clock minute across a test, by label.

A spike shared by many attempts at once (noise for everyone at 10:42) is the room or the
platform, not one candidate: the strip shows it as a hot column, and a reviewer can dismiss
that label for that window across the test in one action (review.services.dismiss_window).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count
from django.db.models.functions import TruncMinute

from proctoring.models import EvidenceRecord

# The strip shows at most this many minutes: the busiest ones, in time order.
MAX_MINUTES = 90
# A minute is a spike for a label when at least this many attempts, and this share of the
# attempts with violations that minute, have it.
SPIKE_ATTEMPTS = 3
HEAT_LEVELS = 4


@dataclass
class StripRow:
    label: str
    cells: list[tuple[int, int, int]] = field(default_factory=list)  # (count, attempts, level)


@dataclass
class Strip:
    minutes: list[datetime]
    rows: list[StripRow]
    spikes: list[tuple[datetime, str, int]]  # (minute, label, attempts)
    hidden_minutes: int  # minutes with violations left out of the strip (quieter ones)


def minute_strip(lookup_key: str) -> Strip:
    """The test's violations per (label, minute), one query."""
    rows = (
        EvidenceRecord.objects.filter(
            is_violation=True, attempt__lookup_key=lookup_key, occurred_at__isnull=False
        )
        .annotate(minute=TruncMinute("occurred_at"))
        .order_by()
        .values_list("label", "minute")
        .annotate(count=Count("*"), attempts=Count("attempt", distinct=True))
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
        (minute, label, attempts)
        for (label, minute), (_, attempts) in cells.items()
        if attempts >= SPIKE_ATTEMPTS
    )
    return Strip(minutes, strip_rows, spikes, len(per_minute) - len(minutes))
