"""The audit trail says who did what, and keeps saying it after the account is gone."""

import pytest
from django.contrib.auth.models import AnonymousUser, User

from audit.models import AuditEvent
from audit.services import audit_record
from proctoring.models import Attempt

pytestmark = pytest.mark.django_db


def test_an_event_names_the_user_the_action_and_the_attempt():
    user = User.objects.create_user("rosa")
    attempt = Attempt.objects.create(client_id="c", test_attempt_id="a-1")
    audit_record(user=user, action="evidence.view", attempt=attempt, summary="Opened tab-switch")
    event = AuditEvent.objects.get()
    assert (event.username, event.action, event.attempt, event.user) == (
        "rosa",
        "evidence.view",
        attempt,
        user,
    )


def test_the_trail_outlives_the_account_and_the_attempt():
    user = User.objects.create_user("leaver")
    attempt = Attempt.objects.create(client_id="c", test_attempt_id="a-2")
    audit_record(user=user, action="export.csv", attempt=attempt)
    user.delete()
    attempt.delete()
    event = AuditEvent.objects.get()
    assert event.username == "leaver"
    assert event.user is None and event.attempt is None


def test_an_anonymous_actor_is_recorded_as_such():
    audit_record(user=AnonymousUser(), action="login.failed", summary="x" * 600)
    event = AuditEvent.objects.get()
    assert event.username == "anonymous" and event.user is None
    assert len(event.summary) == 500
