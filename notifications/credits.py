"""When `credits.low` is announced: the credits count as running low by the same rule the usage
page's banner shows (proctoring.credit_forecast: the balance under CREDITS_WARN_BELOW, or the
burn rate running them out within CREDITS_WARN_DAYS), and that is news.

It is news when nothing was announced yet, or when the snapshot before this one was fine: the
event fires once when credits fall low, not on every usage pass while they stay low, and again
after a top-up has made them fine and they fall low once more.
"""

from __future__ import annotations

from notifications.events import CREDITS_LOW
from notifications.models import NotificationEvent
from proctoring.credit_forecast import credit_forecast
from proctoring.models import UsageSnapshot


def credit_warnings(snapshot: UsageSnapshot) -> list[str]:
    """Why the credits were running low when `snapshot` was taken; empty when they were not."""
    forecast = credit_forecast(now=snapshot.taken_at)
    return [forecast.warn_reason] if forecast.warn else []


def newly_low(snapshot: UsageSnapshot) -> list[str]:
    """The warnings for `snapshot`, when they are news (see the module's docstring). Two
    forecasts at most, whatever the number of snapshots since the last announcement."""
    reasons = credit_warnings(snapshot)
    if not reasons:
        return []
    if not NotificationEvent.objects.filter(event=CREDITS_LOW).exists():
        return reasons
    before = (
        UsageSnapshot.objects.filter(
            taken_at__lte=snapshot.taken_at, credits_remaining__isnull=False
        )
        .exclude(pk=snapshot.pk)
        .order_by("-taken_at", "-pk")
        .first()
    )
    if before is None or not credit_warnings(before):
        return reasons
    return []
