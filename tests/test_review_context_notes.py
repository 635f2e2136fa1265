"""Test notes (per lookup key) and candidate notes (per email): written by test admins from a
report, audited, and shown on every matching report and in the review queue."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from review.models import AppendOnlyError, ContextNote
from tests.fixtures.data import make_attempt

pytestmark = pytest.mark.django_db


def write(client, attempt, kind, text):
    url = reverse("attempt-context-note", args=[attempt.pk])
    return client.post(url, {"kind": kind, "text": text}, follow=True)


def report(client, attempt):
    return client.get(reverse("attempt-report", args=[attempt.pk])).content.decode()


def test_a_test_note_shows_on_every_report_of_that_test_only(test_admin_client):
    first = make_attempt(lookup_key="maths-101", trust_score=0.4)
    second = make_attempt(lookup_key="maths-101", trust_score=0.5)
    other = make_attempt(lookup_key="physics-201", trust_score=0.5)
    response = write(test_admin_client, first, "test", "Calculator and a second monitor allowed")
    assert "Test note saved: every attempt of maths-101 shows it." in response.content.decode()
    assert "Calculator and a second monitor allowed" in report(test_admin_client, second)
    assert "Calculator and a second monitor allowed" not in report(test_admin_client, other)
    queue = test_admin_client.get(reverse("review-queue")).content.decode()
    assert queue.count("Calculator and a second monitor allowed") == 2


def test_a_candidate_note_follows_the_email_in_any_case(test_admin_client):
    first = make_attempt(candidate_email="Zoe@Example.org")
    later = make_attempt(candidate_email="zoe@example.org ")
    write(test_admin_client, first, "candidate", "Approved accommodation: a reader in the room")
    assert ContextNote.objects.get().key == "zoe@example.org"
    assert "Approved accommodation: a reader in the room" in report(test_admin_client, later)


def test_writing_a_context_note_is_audited(test_admin_client):
    attempt = make_attempt(lookup_key="maths-101")
    write(test_admin_client, attempt, "test", "Open book")
    event = AuditEvent.objects.get(action="context_note.add")
    assert event.attempt_id == attempt.pk
    assert event.detail == {
        "note": ContextNote.objects.get().pk,
        "kind": "test",
        "key": "maths-101",
        "text": "Open book",
    }


def test_a_proctor_reads_context_notes_but_cannot_write_them(proctor_client, test_admin_client):
    attempt = make_attempt(lookup_key="maths-101")
    write(test_admin_client, attempt, "test", "Open book")
    page = report(proctor_client, attempt)
    assert "Open book" in page
    assert reverse("attempt-context-note", args=[attempt.pk]) not in page
    assert write(proctor_client, attempt, "test", "mine").status_code == 403
    assert ContextNote.objects.count() == 1


def test_an_attempt_without_a_lookup_key_gets_no_test_note(test_admin_client):
    attempt = make_attempt(lookup_key="")
    response = write(test_admin_client, attempt, "test", "lost")
    assert "This attempt has no test (lookup key)" in response.content.decode()
    assert not ContextNote.objects.exists()


def test_a_context_note_is_history(test_admin_client):
    write(test_admin_client, make_attempt(lookup_key="maths-101"), "test", "Open book")
    note = ContextNote.objects.get()
    note.text = "changed"
    with pytest.raises(AppendOnlyError):
        note.save()
