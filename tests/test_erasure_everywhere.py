"""An erasure leaves no trace of the person anywhere in the database: the candidate's notes,
the audit entries of those notes, of their verdicts and of an export whose search named them,
notification events and webhook deliveries, the API console's memory in sessions. The check
reads every column of every table the database has (so a table added later is read too) and
the decoded data of every session."""

from datetime import UTC, datetime
from io import StringIO
from urllib.parse import quote, quote_plus

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection

from notifications.events import SYNC_FAILING, event_record
from notifications.models import WebhookDelivery
from proctoring.redaction import stored_forms
from retention.sweep import apply_retention
from review.context_notes import add_context_note, context_notes_for
from review.models import ContextKind, ReviewState, Verdict
from review.services import set_verdict
from tests.fixtures.data import make_attempt, make_attempts, make_records
from tests.fixtures.personas import logged_in

pytestmark = pytest.mark.django_db

EMAIL = "ann.lee@example.org"
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
NAME = "Ann Lee"


def traces(needles=(EMAIL, NAME)) -> list[str]:
    """Every place (table.column, or a session) that still holds a needle in any form."""
    forms = {form.lower() for needle in needles for form in stored_forms(needle)}
    forms |= {quote(n).lower() for n in needles} | {quote_plus(n).lower() for n in needles}
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    text = (
                        bytes(value).decode("utf-8", "replace")
                        if isinstance(value, bytes | memoryview)
                        else str(value)
                    ).lower()
                    found += [f"{table}.{column}" for form in forms if form in text]
    for session in Session.objects.all():
        text = str(session.get_decoded()).lower()
        found += [f"session {session.session_key}" for form in forms if form in text]
    return sorted(set(found))


@pytest.fixture
def everywhere(settings, test_admin):
    """Ann's attempt, and her email and name copied into every place the product copies them."""
    settings.NOTIFY_WEBHOOK_URL = ["https://hooks.example/in?token=t0ken"]
    settings.NOTIFY_WEBHOOK_SECRET = "a-long-random-secret"
    attempt = make_attempt(candidate_name=NAME, candidate_email=EMAIL, raw={"email": EMAIL})
    make_records(attempt, "tab-switch")
    bo = make_attempt(candidate_name="Bo Chan", candidate_email="bo@example.org")
    add_context_note(
        user=test_admin, attempt=attempt, kind=ContextKind.CANDIDATE, text="reader allowed"
    )
    set_verdict(user=test_admin, attempt=attempt, verdict=Verdict.CLEARED, reason="fine")
    client = logged_in(test_admin)
    assert client.get("/attempts/export.csv", {"q": EMAIL}).status_code == 200
    assert client.get("/attempts/export.csv", {"q": NAME}).status_code == 200
    event = event_record(
        event=SYNC_FAILING,
        data={"stage": "results", "state": "failing", "failures": 3, "error": f"bad {EMAIL}"},
    )
    WebhookDelivery.objects.filter(event=event).update(last_error=f"400: unknown {NAME}")
    session = client.session
    session["console.last"] = {
        "test_attempt_id": attempt.test_attempt_id,
        "file_url": f"https://files.example/{EMAIL}/evidence.json?X-Amz-Signature=abc",
    }
    session.save()
    return attempt, bo


def test_before_the_erasure_every_place_holds_the_person(everywhere):
    found = traces()
    for place in (
        "proctoring_attempt.candidate_email",
        "review_contextnote.key",
        "dashboard_auditevent.summary",
        "dashboard_auditevent.detail",
        "notifications_notificationevent.data",
        "notifications_webhookdelivery.last_error",
    ):
        assert place in found
    assert any(place.startswith("session ") for place in found)


def test_an_erasure_request_leaves_no_trace_in_any_table(everywhere):
    out = StringIO()
    call_command("erase_candidate", EMAIL, stdout=out)

    assert "Erased 1 attempt(s)" in out.getvalue()
    assert traces() == []
    # Someone else's data stays, and a later attempt with the address shows no old note.
    assert "proctoring_attempt.candidate_email" in traces(["bo@example.org"])
    later = make_attempt(candidate_name=NAME, candidate_email=EMAIL)
    assert context_notes_for([later])[later.pk] == []


@pytest.mark.parametrize("action", ["erase", "delete"])
def test_the_attempts_policy_leaves_no_trace_either(everywhere, settings, action):
    settings.RETAIN_ATTEMPTS_DAYS = 1
    settings.RETAIN_ATTEMPTS_ACTION = action
    attempt, _ = everywhere
    type(attempt).objects.filter(pk=attempt.pk).update(
        submitted_at="2020-01-01T00:00:00Z", started_at="2020-01-01T00:00:00Z"
    )
    # The verdict counts as recent: age the review too, so the policy lets the attempt go.
    ReviewState.objects.filter(attempt=attempt).update(reviewed_at="2020-01-01T00:00:00Z")

    apply_retention()

    assert traces() == []


def test_a_full_batch_of_different_people_is_searched_for_in_a_few_queries(settings, test_admin):
    """A retention batch erases hundreds of people at once: their emails and names are looked
    for in chunks (SQLite refuses a condition of a thousand terms), and each is found."""
    settings.RETAIN_ATTEMPTS_DAYS = 1
    people = make_attempts(
        300,
        candidate_email=lambda i: f"person{i}@example.org",
        candidate_name=lambda i: f"Person Number{i}",
        submitted_at=LONG_AGO,
        started_at=LONG_AGO,
    )
    client = logged_in(test_admin)
    assert client.get("/attempts/export.csv", {"q": "person299@example.org"}).status_code == 200

    apply_retention(batch_size=300)

    assert type(people[0]).objects.exclude(candidate_email="").count() == 0
    assert traces(["person299@example.org", "Person Number299"]) == []
