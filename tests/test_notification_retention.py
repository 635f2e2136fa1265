"""Notification events and their webhook deliveries (the receiver's URL, with its token) are
kept RETAIN_NOTIFICATIONS_DAYS, then deleted by the daily schedule; one still being
delivered stays."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from notifications.events import SYNC_FAILING, event_record
from notifications.models import NotificationEvent, WebhookDelivery
from notifications.tasks import purge_notifications_task
from proctoring.schedules import ensure_schedules

pytestmark = pytest.mark.django_db

URL = "https://hooks.example/in?token=s3cret-t0ken"


@pytest.fixture
def hooked(settings):
    settings.NOTIFY_WEBHOOK_URL = [URL]
    settings.NOTIFY_WEBHOOK_SECRET = "a-long-random-secret"
    settings.RETAIN_NOTIFICATIONS_DAYS = 30
    return settings


def event(days_ago: int, status=WebhookDelivery.Status.DELIVERED) -> NotificationEvent:
    recorded = event_record(event=SYNC_FAILING, data={"stage": "results", "failures": 3})
    NotificationEvent.objects.filter(pk=recorded.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    WebhookDelivery.objects.filter(event=recorded).update(status=status)
    return recorded


def test_old_events_and_their_deliveries_go_recent_and_pending_ones_stay(hooked):
    old = event(31)
    recent = event(29)
    still_trying = event(40, status=WebhookDelivery.Status.PENDING)

    assert purge_notifications_task() == 1

    assert set(NotificationEvent.objects.values_list("pk", flat=True)) == {
        recent.pk,
        still_trying.pk,
    }
    assert not WebhookDelivery.objects.filter(event_id=old.pk).exists()
    assert WebhookDelivery.objects.filter(url=URL).count() == 2


def test_zero_keeps_them_for_ever(hooked):
    hooked.RETAIN_NOTIFICATIONS_DAYS = 0
    event(3650)
    assert purge_notifications_task() == 0
    assert NotificationEvent.objects.count() == 1


def test_the_purge_runs_daily_on_the_worker():
    ensure_schedules()
    minutes = dict(Schedule.objects.values_list("func", "minutes"))
    assert minutes["notifications.tasks.purge_notifications_task"] == 24 * 60
