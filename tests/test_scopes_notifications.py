"""Notifications respect scopes: `attempt.needs_review` mail names only the attempts its reader
may see (and is not sent when there are none); account-wide events (sync, drift, credits) reach
unscoped readers only; webhooks are the organisation's and carry every attempt."""

import pytest
from django.core import mail

from access.roles import PROCTOR, TEST_ADMIN
from access.scopes import set_grants
from notifications.events import event_record
from notifications.mail import send_daily_digest, send_event_emails
from notifications.models import NotificationPreference, WebhookDelivery
from tests.fixtures.data import make_attempt
from tests.fixtures.personas import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_on(settings):
    settings.EMAIL_HOST = "smtp.example.org"
    settings.NOTIFY_WEBHOOK_URL = ["https://hooks.example.org/proctoring"]
    return settings


def person(name, grants, *events, digest=False):
    user = make_user(name)
    set_grants(user, grants, source="cli")
    NotificationPreference.objects.create(user=user, events=list(events), daily_digest=digest)
    return user


def needs_review():
    make_attempt(test_attempt_id="bio-1", lookup_key="biology-101")
    make_attempt(test_attempt_id="bio-2", lookup_key="biology-202")
    make_attempt(test_attempt_id="chem-1", lookup_key="chemistry-1")
    make_attempt(test_attempt_id="nokey-1", lookup_key="")
    return event_record(
        event="attempt.needs_review",
        data={"run": 3, "count": 4, "attempts": ["bio-1", "chem-1", "bio-2", "nokey-1"]},
    )


def mail_to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


def test_needs_review_mail_names_only_the_attempts_its_reader_may_see(mail_on):
    alice = person("alice", {PROCTOR: ["biology-*"]}, "attempt.needs_review")
    dora = person("dora", {PROCTOR: ["physics-*"]}, "attempt.needs_review")
    eve = person("eve", {PROCTOR: []}, "attempt.needs_review")

    assert send_event_emails(str(needs_review().pk)) == 2

    (to_alice,) = mail_to(alice)
    assert to_alice.subject == "[Proctoring] 2 attempt(s) newly below the review threshold"
    assert "bio-1" in to_alice.body and "bio-2" in to_alice.body
    assert "chem-1" not in to_alice.body and "nokey-1" not in to_alice.body
    assert mail_to(dora) == []  # none of the four is hers: no mail at all
    (to_eve,) = mail_to(eve)
    assert all(key in to_eve.body for key in ["bio-1", "bio-2", "chem-1", "nokey-1"])
    # The webhook is the organisation's: it carries every attempt.
    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.event.data["attempts"] == ["bio-1", "chem-1", "bio-2", "nokey-1"]


def test_the_digest_is_cut_down_the_same_way(mail_on):
    alice = person("alice", {PROCTOR: ["chemistry-*"]}, "attempt.needs_review", digest=True)
    needs_review()
    assert send_daily_digest() == 1
    (message,) = mail_to(alice)
    assert "chem-1" in message.body
    assert "bio-1" not in message.body and "1 attempt(s)" in message.body


def test_account_wide_events_reach_unscoped_test_admins_only(mail_on):
    carol = person("carol", {TEST_ADMIN: ["biology-*"]}, "sync.failing")
    bob = person("bob", {TEST_ADMIN: []}, "sync.failing")
    event = event_record(
        event="sync.failing",
        data={"stage": "results", "state": "failing", "failures": 3, "error": "Bad credentials"},
    )
    assert send_event_emails(str(event.pk)) == 1
    assert mail_to(bob) and not mail_to(carol)


def test_recipients_cost_a_fixed_number_of_queries(mail_on, django_assert_max_num_queries):
    for n in range(12):
        person(f"reader{n}", {PROCTOR: ["biology-*"] if n % 2 else []}, "attempt.needs_review")
    event = needs_review()
    with django_assert_max_num_queries(6):
        assert send_event_emails(str(event.pk)) == 12


def test_a_candidates_response_reaches_the_reviewers_of_that_test(mail_on):
    alice = person("alice", {PROCTOR: ["biology-*"]}, "candidate.responded")
    dora = person("dora", {PROCTOR: ["physics-*"]}, "candidate.responded")
    make_attempt(test_attempt_id="bio-1", lookup_key="biology-101")
    event = event_record(event="candidate.responded", data={"count": 1, "attempts": ["bio-1"]})

    assert send_event_emails(str(event.pk)) == 1
    (to_alice,) = mail_to(alice)
    assert "bio-1" in to_alice.body
    assert mail_to(dora) == []
