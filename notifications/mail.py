"""Email: one message per event to the users who chose it, or one daily digest.

Mail goes through Django's mail settings (EMAIL_URL or EMAIL_HOST and friends). When no mail
server is configured nothing is sent (and "My notifications" says so). A user hears only of
the events their role lets them see, and only at their account's email address.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from access.logins import email_configured
from access.scopes import NO_TEST, scopes_of
from notifications.events import CANDIDATE_RESPONDED, EVENT_TYPES, NEEDS_REVIEW
from notifications.links import event_links, preferences_footer
from notifications.models import NotificationEvent, NotificationPreference
from proctoring.models import Attempt

SUBJECT_PREFIX = "[Proctoring] "
# Control characters, line and paragraph separators (U+2028, U+2029).
CONTROLS = {"Cc", "Zl", "Zp"}
DIGEST_PERIOD = timedelta(days=1)


def users_allowed(event: str) -> QuerySet:
    """Active users with an email who hold the event's permission (through a role or their
    own grant), in one query."""
    app_label, codename = EVENT_TYPES[event].permission.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=permission)
            | Q(user_permissions__in=permission)
        )
        .distinct()
    )


def one_line(value: object) -> str:
    """A value from synced data (an attempt id, an error) as one line of an email: line breaks
    and other control characters shown escaped (\\n), so text from the API can never start a
    paragraph of its own ("URGENT: sign in again at ...") in a message we send."""
    return "".join(
        ascii(char)[1:-1] if unicodedata.category(char) in CONTROLS else char for char in str(value)
    )


def subject(event: NotificationEvent) -> str:
    return one_line(_subject(event))


def _subject(event: NotificationEvent) -> str:
    data = event.data
    if event.event == "attempt.needs_review":
        return f"{data.get('count', 0)} attempt(s) newly below the review threshold"
    if event.event == "sync.failing":
        if data.get("state") == "recovered":
            return f"The {data.get('stage')} sync works again"
        return f"The {data.get('stage')} sync failed {data.get('failures')} times in a row"
    if event.event == "api.drift":
        return "AutoProctor's answers changed shape"
    if event.event == "candidate.responded":
        return "A candidate responded to the record of their attempt"
    return "AutoProctor credits are running low"


def describe(event: NotificationEvent) -> str:
    """The event as plain text lines: what happened and the figures, never a candidate's
    name or email (the event data holds none); with SITE_URL, the links to act on it."""
    data = event.data
    lines = [f"{subject(event)} ({event.created_at:%Y-%m-%d %H:%M} UTC)."]
    if event.event in ("attempt.needs_review", "candidate.responded"):
        lines += [f"  attempt {one_line(attempt_id)}" for attempt_id in data.get("attempts", [])]
    elif event.event == "sync.failing" and data.get("error"):
        lines.append(f"  Last error: {one_line(data['error'])}")
    elif event.event == "api.drift":
        lines += [
            f"  {one_line(warning.get('message', ''))}" for warning in data.get("warnings", [])
        ]
    elif event.event == "credits.low":
        lines += [f"  {one_line(reason)}" for reason in data.get("reasons", [])]
    lines += [f"  {one_line(what)}: {url}" for what, url in event_links(event)]
    return "\n".join(lines)


def send_event_emails(event_id: str) -> int:
    """Email one event to every user who chose it without the digest. Returns messages sent."""
    if not email_configured():
        return 0
    event = NotificationEvent.objects.get(pk=event_id)
    # The chosen events are filtered here: SQLite cannot search inside a JSON list.
    recipients = [
        user
        for user in users_allowed(event.event)
        .filter(notification_preference__daily_digest=False)
        .select_related("notification_preference")
        if event.event in user.notification_preference.events
    ]
    readers = Readers(recipients, [event])
    messages = [
        EmailMessage(
            subject=SUBJECT_PREFIX + subject(seen),
            body=describe(seen) + preferences_footer(),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
        for user in recipients
        if (seen := readers.event_as_seen_by(user, event)) is not None
    ]
    return _send(messages)


# Events about attempts: a reader limited to some tests reads those of their tests.
ATTEMPT_EVENTS = (NEEDS_REVIEW, CANDIDATE_RESPONDED)


class Readers:
    """What each recipient may read of the events: an event whose permission they hold only on
    some tests (access.scopes) is cut down to the attempts of those tests, or left out when
    none of it is theirs; an account-wide event (sync, drift, credits) reaches unscoped
    holders only, as its pages do. Three queries per event type, and one for the attempts'
    tests, whatever the number of recipients."""

    def __init__(self, users: list, events: list[NotificationEvent]) -> None:
        self.scopes = {
            name: scopes_of(users, EVENT_TYPES[name].permission)
            for name in {event.event for event in events}
        }
        ids = {
            str(attempt_id)
            for event in events
            if event.event in ATTEMPT_EVENTS
            for attempt_id in event.data.get("attempts", [])
        }
        self.tests = (
            dict(
                Attempt.objects.filter(test_attempt_id__in=ids).values_list(
                    "test_attempt_id", "lookup_key"
                )
            )
            if ids
            and any(
                not scope.unrestricted
                for by_user in self.scopes.values()
                for scope in by_user.values()
            )
            else {}
        )

    def event_as_seen_by(self, user, event: NotificationEvent) -> NotificationEvent | None:
        scope = self.scopes[event.event].get(user.pk, NO_TEST)
        if scope.unrestricted:
            return event
        if event.event not in ATTEMPT_EVENTS:
            return None
        ids = [i for i in event.data.get("attempts", []) if scope.allows(self.tests.get(str(i)))]
        if not ids:
            return None
        data = {**event.data, "attempts": ids, "count": len(ids)}
        return NotificationEvent(
            pk=event.pk, event=event.event, data=data, created_at=event.created_at
        )


def send_daily_digest(*, now: datetime | None = None) -> int:
    """One message per digest user with the events they chose since their last digest (at
    most a day back). Returns messages sent."""
    if not email_configured():
        return 0
    now = now or timezone.now()
    messages, sent_to = [], []
    allowed_users = {
        name: set(users_allowed(name).values_list("pk", flat=True)) for name in EVENT_TYPES
    }
    preferences = list(
        NotificationPreference.objects.filter(daily_digest=True).select_related("user")
    )
    pending = list(
        NotificationEvent.objects.filter(created_at__gt=now - DIGEST_PERIOD, created_at__lte=now)
    )
    readers = Readers([preference.user for preference in preferences], pending)
    for preference in preferences:
        user = preference.user
        allowed = [
            name
            for name in preference.events
            if name in EVENT_TYPES and user.pk in allowed_users[name]
        ]
        if not allowed:
            continue
        since = max(preference.digest_sent_at or now - DIGEST_PERIOD, now - DIGEST_PERIOD)
        events = [
            seen
            for event in sorted(pending, key=lambda event: (event.created_at, event.pk))
            if event.event in allowed
            and event.created_at > since
            and (seen := readers.event_as_seen_by(user, event)) is not None
        ]
        sent_to.append(preference.pk)
        if not events:
            continue
        messages.append(
            EmailMessage(
                subject=f"{SUBJECT_PREFIX}Daily digest: {len(events)} event(s)",
                body="\n\n".join(describe(event) for event in events) + preferences_footer(),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[user.email],
            )
        )
    sent = _send(messages)
    NotificationPreference.objects.filter(pk__in=sent_to).update(digest_sent_at=now)
    return sent


def _send(messages: list[EmailMessage]) -> int:
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages)
