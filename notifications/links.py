"""Links back into the dashboard for an email: where to act on an event.

An email is read away from the dashboard, so it needs absolute URLs, and the worker that sends
it has no request to take the host from: SITE_URL (the address users open the dashboard at)
gives it. Without SITE_URL the emails carry no links rather than guessed ones.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from notifications.models import NotificationEvent
from proctoring.models import Attempt

# Past this many attempts one event links to the review queue only.
MAX_ATTEMPT_LINKS = 20


def absolute(url_name: str, *args) -> str:
    return settings.SITE_URL + reverse(url_name, args=args)


def event_links(event: NotificationEvent) -> list[tuple[str, str]]:
    """(what, absolute URL) for the pages where `event` is acted on; empty without SITE_URL."""
    if not settings.SITE_URL:
        return []
    if event.event == "attempt.needs_review":
        return [("Review queue", absolute("review-queue"))] + _attempt_links(event)
    if event.event == "candidate.responded":
        return _attempt_links(event)
    if event.event in ("sync.failing", "api.drift"):
        return [("Sync status", absolute("sync-status"))]
    if event.event == "credits.low":
        return [("Usage and credits", absolute("usage"))]
    return []


def _attempt_links(event: NotificationEvent) -> list[tuple[str, str]]:
    ids = [str(attempt_id) for attempt_id in event.data.get("attempts", [])]
    if not ids or len(ids) > MAX_ATTEMPT_LINKS:
        return []
    pks = dict(Attempt.objects.filter(test_attempt_id__in=ids).values_list("test_attempt_id", "pk"))
    return [
        (f"Attempt {attempt_id}", absolute("attempt-report", pks[attempt_id]))
        for attempt_id in ids
        if attempt_id in pks
    ]


def preferences_footer() -> str:
    """The last line of every email: where to choose what one hears of."""
    if not settings.SITE_URL:
        return ""
    return f"\n\n--\nChoose which events you are emailed about: {absolute('my-notifications')}"
