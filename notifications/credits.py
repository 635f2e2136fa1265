"""When AutoProctor credits count as running low: the one place that decides it.

`credit_warnings` returns the reasons for a snapshot (empty: all is well). Today the rule is
the balance under CREDITS_WARN_BELOW; a burn-rate forecast (days of credits left under
CREDITS_WARN_DAYS) belongs here as a second reason, and `credits.low` then fires on either.
"""

from __future__ import annotations

from django.conf import settings

from notifications.events import CREDITS_LOW
from notifications.models import NotificationEvent
from proctoring.models import UsageSnapshot


def credit_warnings(snapshot: UsageSnapshot) -> list[str]:
    """Why the credits in `snapshot` are running low; empty when they are not."""
    reasons = []
    limit = settings.CREDITS_WARN_BELOW
    if limit and snapshot.credits_remaining is not None and snapshot.credits_remaining < limit:
        reasons.append(
            f"{snapshot.credits_remaining:,} credits left, under CREDITS_WARN_BELOW={limit:,}."
        )
    return reasons


def newly_low(snapshot: UsageSnapshot) -> list[str]:
    """The warnings for `snapshot`, when they are news: no credits.low was announced yet, or
    the credits were fine at some snapshot since the last one. So the event fires once when
    credits fall low, not on every usage pass while they stay low."""
    reasons = credit_warnings(snapshot)
    if not reasons:
        return []
    last = NotificationEvent.objects.filter(event=CREDITS_LOW).order_by("-created_at").first()
    if last is None:
        return reasons
    since = (
        UsageSnapshot.objects.filter(taken_at__gt=last.created_at)
        .exclude(pk=snapshot.pk)
        .order_by("-taken_at")
        .iterator()
    )
    return reasons if any(not credit_warnings(earlier) for earlier in since) else []
