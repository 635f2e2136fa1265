"""Notification email through Django's mail settings (the locmem backend in tests): each user
gets the events they chose and their role allows, one by one or in a daily digest, and
nothing is sent, as "My notifications" says, when no mail server is configured."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications.events import event_record
from notifications.mail import send_daily_digest, send_event_emails
from notifications.models import NotificationPreference
from tests.fixtures.data import make_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_on(settings):
    settings.EMAIL_HOST = "smtp.example.org"
    settings.NOTIFY_WEBHOOK_URL = []
    return settings


def choose(user, *events, digest=False):
    NotificationPreference.objects.update_or_create(
        user=user, defaults={"events": list(events), "daily_digest": digest}
    )


def failing():
    return event_record(
        event="sync.failing",
        data={"stage": "results", "state": "failing", "failures": 3, "error": "Bad credentials"},
    )


def review():
    return event_record(
        event="attempt.needs_review", data={"run": 4, "count": 1, "attempts": ["att-77"]}
    )


def test_an_event_is_emailed_to_those_who_chose_it_and_may_see_it(
    mail_on, test_admin, proctor, outsider
):
    choose(test_admin, "sync.failing")
    choose(proctor, "sync.failing", "attempt.needs_review")  # a proctor cannot see sync
    choose(outsider, "sync.failing")

    assert send_event_emails(str(failing().pk)) == 1

    (message,) = mail.outbox
    assert message.to == [test_admin.email]
    assert message.subject == "[Proctoring] The results sync failed 3 times in a row"
    assert "Bad credentials" in message.body


def test_the_review_event_lists_the_attempts_by_id(mail_on, proctor):
    choose(proctor, "attempt.needs_review")
    send_event_emails(str(review().pk))
    (message,) = mail.outbox
    assert message.to == [proctor.email]
    assert "attempt att-77" in message.body


def test_a_digest_user_gets_one_email_a_day_with_every_chosen_event(mail_on, test_admin):
    choose(test_admin, "sync.failing", "attempt.needs_review", digest=True)
    first = failing()
    review()

    assert send_event_emails(str(first.pk)) == 0  # not one by one
    assert send_daily_digest() == 1

    (message,) = mail.outbox
    assert message.subject == "[Proctoring] Daily digest: 2 event(s)"
    assert "failed 3 times" in message.body and "attempt att-77" in message.body
    # The next digest carries only what happened since.
    assert send_daily_digest(now=timezone.now() + timedelta(days=1)) == 0
    assert len(mail.outbox) == 1


def test_nothing_is_sent_when_mail_is_not_configured(settings, test_admin):
    settings.EMAIL_HOST = ""
    settings.NOTIFY_WEBHOOK_URL = []
    choose(test_admin, "sync.failing")
    assert send_event_emails(str(failing().pk)) == 0
    choose(test_admin, "sync.failing", digest=True)
    assert send_daily_digest() == 0
    assert mail.outbox == []


def test_my_notifications_says_when_mail_is_off(settings, proctor_client):
    settings.EMAIL_HOST = ""
    page = proctor_client.get(reverse("my-notifications")).content.decode()
    assert "data-mail-off" in page
    assert "Email is not configured" in page


def test_my_notifications_offers_only_the_events_of_the_users_role(mail_on, proctor_client):
    page = proctor_client.get(reverse("my-notifications")).content.decode()
    assert "data-mail-off" not in page
    assert 'value="attempt.needs_review"' in page
    assert 'value="sync.failing"' not in page


def test_choices_are_saved_and_one_outside_the_role_is_refused(mail_on, proctor, proctor_client):
    url = reverse("my-notifications")
    saved = proctor_client.post(url, {"events": ["attempt.needs_review"], "daily_digest": "on"})
    assert saved.status_code == 302
    preference = NotificationPreference.objects.get(user=proctor)
    assert (preference.events, preference.daily_digest) == (["attempt.needs_review"], True)

    refused = proctor_client.post(url, {"events": ["sync.failing"]})
    assert refused.status_code == 400
    assert NotificationPreference.objects.get(user=proctor).events == ["attempt.needs_review"]


def test_with_site_url_an_email_links_to_where_the_event_is_acted_on(mail_on, proctor):
    """Read away from the dashboard, the email takes the reader to the review queue, to each
    attempt's report, and to where they change what they are emailed about."""
    mail_on.SITE_URL = "https://proctoring.example.edu"
    attempt = make_attempt(test_attempt_id="att-77")
    choose(proctor, "attempt.needs_review")

    send_event_emails(str(review().pk))

    (message,) = mail.outbox
    base = "https://proctoring.example.edu"
    assert f"Review queue: {base}{reverse('review-queue')}" in message.body
    assert f"Attempt att-77: {base}{reverse('attempt-report', args=[attempt.pk])}" in message.body
    assert message.body.endswith(f"{base}{reverse('my-notifications')}")


def test_without_site_url_an_email_carries_no_guessed_links(mail_on, test_admin, client):
    mail_on.SITE_URL = ""
    client.force_login(test_admin)
    page = client.get(reverse("my-notifications")).content.decode()
    assert "data-no-links" in page and "SITE_URL" in page
    choose(test_admin, "sync.failing")
    send_event_emails(str(failing().pk))
    (message,) = mail.outbox
    assert "http" not in message.body and reverse("sync-status") not in message.body


def test_line_breaks_in_an_attempt_id_from_the_api_stay_on_the_ids_line(mail_on, settings, proctor):
    settings.SITE_URL = "https://proctoring.example.edu"
    hostile = "att-1\r\n\r\nURGENT: sign in again at https://evil.example/login\u2028now"
    make_attempt(test_attempt_id=hostile)
    choose(proctor, "attempt.needs_review")
    event = event_record(
        event="attempt.needs_review", data={"run": 4, "count": 1, "attempts": [hostile]}
    )
    send_event_emails(str(event.pk))

    (message,) = mail.outbox
    lines = message.body.splitlines()
    assert not any(line.startswith("URGENT") for line in lines), lines
    assert not any(line.startswith("now") for line in lines), lines
    assert "  attempt att-1\\r\\n\\r\\nURGENT: sign in again" in message.body
