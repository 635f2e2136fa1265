"""When the account's credits run out, from the usage snapshots the worker records.

The burn rate is the credits consumed per day over the last FORECAST_DAYS days: each fall of
the balance between two snapshots counts, each rise (a top-up) does not. The run-out date is
the balance divided by that rate; its range comes from the quietest and busiest quarter of the
days (the 25th and 75th percentiles of the daily consumption). Less than MIN_OBSERVED_DAYS of
snapshots gives no rate: two snapshots minutes apart would turn one attempt into a run-out
date of tomorrow. `credit_forecast()` is the one entry point, for the usage page, its banner
and the `credits.low` event (notifications.credits); it reads only UsageSnapshot, so it lives
with it, below every app that shows or announces it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import quantiles

from django.conf import settings
from django.utils import timezone

from proctoring.models import UsageSnapshot

FORECAST_DAYS = 30
MIN_OBSERVED_DAYS = 1.0


@dataclass(frozen=True)
class CreditForecast:
    """The balance, the burn rate (credits per day) and when the credits run out (None when
    nothing is being used, or too little is recorded to tell)."""

    balance: int | None
    taken_at: datetime | None
    burn_per_day: float | None
    days_left: float | None
    runs_out_on: date | None
    earliest: date | None
    latest: date | None
    days_observed: float
    warn: bool
    warn_reason: str


def _daily_burn(rows: list[tuple[datetime, int]]) -> tuple[float, dict[date, float]]:
    """(credits consumed in total, per local day) between consecutive snapshots."""
    per_day = defaultdict(float)
    total = 0.0
    for (_, before), (at, after) in zip(rows, rows[1:], strict=False):
        if after < before:
            per_day[timezone.localdate(at)] += before - after
            total += before - after
    return total, per_day


def _on(now: datetime, days: float | None) -> date | None:
    if days is None:
        return None
    return timezone.localdate(now + timedelta(days=min(days, 36500)))


def credit_forecast(now: datetime | None = None) -> CreditForecast:
    """The forecast from the last FORECAST_DAYS days of snapshots (one query)."""
    now = now or timezone.now()
    rows = list(
        UsageSnapshot.objects.filter(
            taken_at__gte=now - timedelta(days=FORECAST_DAYS),
            taken_at__lte=now,
            credits_remaining__isnull=False,
        )
        .order_by("taken_at", "pk")
        .values_list("taken_at", "credits_remaining")
    )
    balance = rows[-1][1] if rows else None
    taken_at = rows[-1][0] if rows else None
    observed = (rows[-1][0] - rows[0][0]) / timedelta(days=1) if len(rows) > 1 else 0.0
    burn = days_left = low = high = None
    if observed >= MIN_OBSERVED_DAYS:
        total, per_day = _daily_burn(rows)
        burn = total / observed
        if burn > 0 and balance is not None:
            days_left = max(balance, 0) / burn
            days = [per_day.get(day, 0.0) for day in _days(rows)]
            if len(days) >= 4:
                quartile_low, _, quartile_high = quantiles(days, n=4)
                low = max(balance, 0) / quartile_high if quartile_high > 0 else None
                high = max(balance, 0) / quartile_low if quartile_low > 0 else None
            else:
                low = high = days_left
    warn_reason = _warn_reason(balance, days_left, now)
    return CreditForecast(
        balance=balance,
        taken_at=taken_at,
        burn_per_day=burn,
        days_left=days_left,
        runs_out_on=_on(now, days_left),
        earliest=_on(now, low),
        latest=_on(now, high),
        days_observed=observed,
        warn=bool(warn_reason),
        warn_reason=warn_reason,
    )


def _warn_reason(balance: int | None, days_left: float | None, now: datetime) -> str:
    """Why the credits count as running low (empty: they do not), naming the setting that
    decides it, so whoever reads the banner or the event knows what to change."""
    below = settings.CREDITS_WARN_BELOW
    if balance is not None and balance < below:
        return (
            f"Only {balance:,} credits are left "
            f"(the warning is under CREDITS_WARN_BELOW={below:,})."
        )
    days = settings.CREDITS_WARN_DAYS
    if days_left is not None and days_left < days:
        return (
            f"At the current rate the credits run out in {days_left:.0f} days, on "
            f"{_on(now, days_left):%d %b %Y} (the warning is under CREDITS_WARN_DAYS={days} days)."
        )
    return ""


def _days(rows):
    """Every local day from the first snapshot's to the last's, the days without use included
    (except the first, which only holds the starting balance)."""
    first, last = timezone.localdate(rows[0][0]), timezone.localdate(rows[-1][0])
    count = (last - first).days
    return [first + timedelta(days=offset) for offset in range(1, count + 1)] or [last]


def burn_by_test(now: datetime | None = None) -> list[tuple[str, float]]:
    """Credits per day by test (lookup key) over the same window, where the snapshots' usage by
    test allows: the growth of each test's credits from its first to its last snapshot."""
    now = now or timezone.now()
    rows = list(
        UsageSnapshot.objects.filter(
            taken_at__gte=now - timedelta(days=FORECAST_DAYS), taken_at__lte=now
        )
        .order_by("taken_at", "pk")
        .values_list("taken_at", "usage_by_lookup_key")
    )
    seen: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for taken_at, items in rows:
        for item in items if isinstance(items, list) else []:
            credits = item.get("credits") if isinstance(item, dict) else None
            if isinstance(credits, int) and item.get("lookup_key"):
                seen[str(item["lookup_key"])].append((taken_at, credits))
    rates = []
    for lookup_key, points in seen.items():
        days = (points[-1][0] - points[0][0]) / timedelta(days=1)
        if days > 0 and points[-1][1] >= points[0][1]:
            rates.append((lookup_key, (points[-1][1] - points[0][1]) / days))
    return sorted(rates, key=lambda row: (-row[1], row[0]))
