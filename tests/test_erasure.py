"""A candidate's erasure request (`manage.py erase_candidate EMAIL`): every attempt with
that email loses who it was, everywhere, and stays so; reviewers' notes stay on the now
anonymous attempts; held attempts are left and named; the request is logged."""

from io import StringIO

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from proctoring.models import Attempt, ErasureTombstone, EvidenceRecord
from retention.holds import hold_place
from retention.models import PurgeLogEntry
from review.models import ReviewNote
from review.services import add_note
from tests.fixtures.data import make_attempt, make_records

pytestmark = pytest.mark.django_db

EMAIL = "ann.lee@example.org"


@pytest.fixture
def ann():
    """Two attempts of Ann's (the email in two cases), each with evidence, and one of Bo's."""
    first = make_attempt(
        candidate_name="Ann Lee",
        candidate_email=EMAIL,
        raw={"user_details": {"name": "Ann Lee", "email": EMAIL}},
    )
    second = make_attempt(candidate_name="Ann Lee", candidate_email=EMAIL.upper())
    other = make_attempt(candidate_name="Bo Chan", candidate_email="bo@example.org")
    for attempt in (first, second, other):
        make_records(attempt, "tab-switch")
    return first, second, other


def run(*arguments) -> str:
    out = StringIO()
    call_command("erase_candidate", *arguments, stdout=out)
    return out.getvalue()


def test_every_attempt_of_the_candidate_loses_who_it_was(ann, test_admin):
    first, second, other = ann
    add_note(user=test_admin, attempt=first, text="looked away often")

    out = run(EMAIL)

    assert "Erased 2 attempt(s)" in out
    for attempt in (first, second):
        erased = Attempt.objects.get(pk=attempt.pk)
        assert (erased.candidate_name, erased.candidate_email, erased.raw) == ("", "", {})
        assert erased.trust_score == attempt.trust_score
        assert not EvidenceRecord.objects.filter(attempt=attempt).exists()
        assert ErasureTombstone.objects.filter(test_attempt_id=attempt.test_attempt_id).exists()
    assert Attempt.objects.get(pk=other.pk).candidate_email == "bo@example.org"
    assert EvidenceRecord.objects.filter(attempt=other).exists()
    # The reviewer's note stays, on an attempt that no longer says whose it was.
    assert ReviewNote.objects.get().attempt_id == first.pk


def test_the_request_is_logged_without_the_persons_data(ann):
    run(EMAIL)
    entry = PurgeLogEntry.objects.get()
    assert (entry.kind, entry.count) == ("erasure_request", 2)
    event = AuditEvent.objects.get(action="candidate.erase")
    text = f"{event.summary} {event.detail} {entry.policy} {entry.started_by}"
    assert EMAIL not in text.lower()
    assert "Ann" not in text


def test_a_dry_run_names_the_attempts_and_changes_nothing(ann):
    first, second, _ = ann
    out = run(EMAIL, "--dry-run")
    assert "Would erase 2 attempt(s)" in out
    assert first.test_attempt_id in out and second.test_attempt_id in out
    assert Attempt.objects.filter(candidate_email__iexact=EMAIL).count() == 2
    assert not ErasureTombstone.objects.exists()
    assert not PurgeLogEntry.objects.exists()


def test_a_held_attempt_is_left_and_named(ann, test_admin):
    first, second, _ = ann
    hold_place(user=test_admin, attempt=second, reason="appeal")

    out = run(EMAIL)

    assert "Left 1 attempt(s) under a legal hold" in out
    assert second.test_attempt_id in out
    assert Attempt.objects.get(pk=second.pk).candidate_email == EMAIL.upper()
    assert Attempt.objects.get(pk=first.pk).candidate_email == ""


def test_an_unknown_email_changes_nothing_and_says_so(ann):
    out = run("nobody@example.org")
    assert "No attempt has this email" in out
    assert not ErasureTombstone.objects.exists()
