"""Webhooks to a real receiver on loopback: signed, carrying the event and its id, sent by
the worker's task, retried with back-off while the receiver is down, delivered when it comes
back, one receiver's trouble holding up no other, and every delivery shown on /sync/."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_q.brokers import get_broker

from notifications.events import event_record
from notifications.models import WebhookDelivery
from notifications.tasks import deliver_due_webhooks_task, deliver_webhook_task
from notifications.webhooks import deliver
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db

SECRET = "shared-webhook-secret"


@pytest.fixture
def receivers():
    started = []

    def start(**kwargs) -> Receiver:
        receiver = Receiver(SECRET, **kwargs).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def hooked(settings, receivers):
    receiver = receivers()
    settings.NOTIFY_WEBHOOK_URL = [receiver.url]
    settings.NOTIFY_WEBHOOK_SECRET = SECRET
    settings.NOTIFY_WEBHOOK_TIMEOUT = 2.0
    return receiver


def needs_review():
    return event_record(
        event="attempt.needs_review",
        data={"run": 1, "count": 2, "attempts": ["a-1", "a-2"]},
    )


def test_an_event_reaches_the_receiver_signed_with_its_id(hooked):
    event = needs_review()
    (delivery,) = WebhookDelivery.objects.all()

    result = deliver_webhook_task(delivery.pk)

    assert result["status"] == "delivered"
    (received,) = hooked.accepted
    assert received == {
        "event_header": "attempt.needs_review",
        "event": "attempt.needs_review",
        "id": str(event.pk),
        "created_at": event.created_at.isoformat(),
        "data": {"run": 1, "count": 2, "attempts": ["a-1", "a-2"]},
    }
    assert hooked.refused == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 204)


def test_a_receiver_with_another_secret_refuses_it_and_it_is_not_counted_delivered(
    hooked, settings
):
    settings.NOTIFY_WEBHOOK_SECRET = "not-the-receivers"
    needs_review()
    delivery = deliver(WebhookDelivery.objects.get().pk)
    assert (delivery.status, delivery.last_status_code) == ("pending", 401)
    assert hooked.refused == 1 and hooked.accepted == []


def test_a_receiver_that_goes_down_gets_the_event_when_it_comes_back(hooked):
    event = needs_review()
    delivery_id = WebhookDelivery.objects.get().pk
    hooked.stop()
    now = timezone.now()

    first = deliver(delivery_id, now=now)

    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, None)
    assert first.last_error.startswith("No answer")
    assert first.next_attempt_at == now + timedelta(seconds=30)
    # Not due yet: the worker's sweep leaves it alone.
    assert deliver(delivery_id, now=now + timedelta(seconds=10)) is None
    second = deliver(delivery_id, now=now + timedelta(seconds=30))
    assert second.next_attempt_at == now + timedelta(seconds=30 + 60)  # the pause doubles

    hooked.start()  # back, on the same port
    third = deliver(delivery_id, now=second.next_attempt_at)

    assert (third.status, third.attempts) == ("delivered", 3)
    assert [received["id"] for received in hooked.accepted] == [str(event.pk)]


def test_a_receiver_that_keeps_failing_is_given_up_after_the_last_try(hooked, settings):
    settings.NOTIFY_WEBHOOK_MAX_ATTEMPTS = 2
    hooked.answer = 500
    needs_review()
    delivery_id = WebhookDelivery.objects.get().pk

    first = deliver(delivery_id)
    second = deliver(delivery_id, now=first.next_attempt_at)

    assert (first.status, first.last_status_code) == ("pending", 500)
    assert (second.status, second.attempts) == ("failed", 2)
    assert deliver(delivery_id, now=second.next_attempt_at + timedelta(days=1)) is None


def test_a_receiver_that_is_down_delays_no_other(settings, receivers):
    down, up = receivers(), receivers()
    down.stop()
    settings.NOTIFY_WEBHOOK_URL = [down.url, up.url]
    settings.NOTIFY_WEBHOOK_SECRET = SECRET
    event = needs_review()

    for delivery in WebhookDelivery.objects.order_by("pk"):
        deliver_webhook_task(delivery.pk)

    statuses = dict(WebhookDelivery.objects.values_list("url", "status"))
    assert statuses == {down.url: "pending", up.url: "delivered"}
    assert [received["id"] for received in up.accepted] == [str(event.pk)]


def test_the_sweep_queues_each_due_retry_as_a_task_of_its_own(hooked):
    needs_review()
    needs_review()
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    broker = get_broker()
    before = broker.queue_size()

    assert deliver_due_webhooks_task() == 2
    assert broker.queue_size() == before + 2
    assert hooked.accepted == []  # the sweep itself sends nothing


def test_without_webhook_urls_an_event_makes_no_delivery(settings):
    settings.NOTIFY_WEBHOOK_URL = []
    needs_review()
    assert not WebhookDelivery.objects.exists()


def test_the_sync_page_shows_each_delivery_without_the_urls_secrets(hooked, test_admin_client):
    needs_review()
    deliver(WebhookDelivery.objects.get().pk)

    page = test_admin_client.get(reverse("sync-status")).content.decode()

    assert "attempt.needs_review" in page
    assert f"127.0.0.1:{hooked.port}" in page
    assert "Delivered" in page
    assert "path-secret" not in page


def test_the_sync_page_says_when_no_webhook_is_configured(settings, test_admin_client):
    settings.NOTIFY_WEBHOOK_URL = []
    page = test_admin_client.get(reverse("sync-status")).content.decode()
    assert "No webhook is configured" in page


def test_the_sync_page_reads_the_deliveries_in_a_fixed_number_of_queries(hooked, test_admin_client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert test_admin_client.get(reverse("sync-status")).status_code == 200
        return len(captured)

    needs_review()
    one = queries()
    for _ in range(9):
        needs_review()
    assert queries() == one
