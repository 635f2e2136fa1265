"""Notes on an attempt and on one evidence record, and dismissing a record with a reason: the
report shows AutoProctor's violation count and the count after dismissals."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from proctoring.models import EvidenceRecord
from review.models import AppendOnlyError, EvidenceDismissal, ReviewNote
from tests.fixtures.data import make_attempt, make_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt():
    attempt = make_attempt(trust_score=0.5)
    make_records(attempt, "tab-switch", "tab-switch", "noise-detected")
    return attempt


def records_of(attempt):
    return list(attempt.evidence_records.order_by("position"))


def report(client, attempt):
    return client.get(reverse("attempt-report", args=[attempt.pk]))


def note(client, attempt, text, record=None):
    data = {"text": text}
    if record is not None:
        data["record"] = record.pk
    return client.post(reverse("attempt-note", args=[attempt.pk]), data, follow=True)


def dismissal(client, record, action="dismiss", reason=""):
    url = reverse("evidence-dismissal", args=[record.attempt_id, record.pk])
    return client.post(url, {"action": action, "reason": reason}, follow=True)


def test_a_note_on_the_attempt_is_shown_with_its_author_and_audited(proctor_client, attempt):
    response = note(proctor_client, attempt, "Candidate called about a power cut at 10:20")
    assert "Note saved." in response.content.decode()
    review = response.context["review"]
    assert [(n.author_name, n.text) for n in review.notes] == [
        ("alice", "Candidate called about a power cut at 10:20")
    ]
    event = AuditEvent.objects.get(action="note.add")
    assert event.attempt_id == attempt.pk and "power cut" in event.summary


def test_a_note_on_an_evidence_record_is_shown_under_that_record(proctor_client, attempt):
    first, second, _ = records_of(attempt)
    response = note(proctor_client, attempt, "this tab switch was the allowed calculator", second)
    review = response.context["review"]
    notes = {item.record.pk: [n.text for n in item.notes] for item in review.records}
    assert notes[second.pk] == ["this tab switch was the allowed calculator"]
    assert notes[first.pk] == [] and review.notes == []
    saved = ReviewNote.objects.get()
    assert (saved.device, saved.label, saved.occurred_at) == (
        second.device,
        second.label,
        second.occurred_at,
    )


def test_a_note_on_a_record_of_another_attempt_is_not_found(proctor_client, attempt):
    other = make_attempt()
    (foreign,) = make_records(other, "tab-switch")
    assert note(proctor_client, attempt, "x", foreign).status_code == 404
    assert not ReviewNote.objects.exists()


def test_an_empty_note_is_refused_with_a_message(proctor_client, attempt):
    response = note(proctor_client, attempt, "   ")
    assert "Write the note first; nothing was saved." in response.content.decode()
    assert not ReviewNote.objects.exists()


def test_notes_cannot_be_edited_or_deleted(proctor_client, attempt):
    note(proctor_client, attempt, "first impression")
    saved = ReviewNote.objects.get()
    saved.text = "changed"
    with pytest.raises(AppendOnlyError):
        saved.save()
    with pytest.raises(AppendOnlyError):
        ReviewNote.objects.all().delete()


def test_dismissing_a_record_lowers_the_count_after_dismissals_only(proctor_client, attempt):
    tab_switch = records_of(attempt)[0]
    response = dismissal(proctor_client, tab_switch, reason="allowed calculator")
    page = response.content.decode()
    assert "Dismissed: it no longer counts after dismissals." in page
    assert "<strong>3</strong> reported by AutoProctor, <strong>2</strong> after dismissals" in page
    assert "Dismissed: allowed calculator" in page
    event = AuditEvent.objects.get(action="evidence.dismiss")
    assert event.detail["label"] == "tab-switch" and event.detail["reason"] == "allowed calculator"


def test_a_dismissal_needs_a_reason(proctor_client, attempt):
    page = dismissal(proctor_client, records_of(attempt)[0]).content.decode()
    assert "Say why this record does not count; nothing was dismissed." in page
    assert not EvidenceDismissal.objects.exists()


def test_a_dismissed_record_can_count_again_and_both_steps_are_audited(proctor_client, attempt):
    record = records_of(attempt)[2]
    dismissal(proctor_client, record, reason="fan noise")
    dismissal(proctor_client, record, reason="again")  # already dismissed: the first stays
    assert EvidenceDismissal.objects.get().reason == "fan noise"
    response = dismissal(proctor_client, record, action="restore")
    assert "The record counts again." in response.content.decode()
    assert response.context["review"].violations_after_dismissals == 3
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "evidence.dismiss",
        "evidence.restore",
    ]


def test_notes_on_evidence_that_disappeared_are_still_shown_apart(proctor_client, attempt):
    record = records_of(attempt)[1]
    note(proctor_client, attempt, "second tab switch: calculator", record)
    dismissal(proctor_client, record, reason="calculator")
    # AutoProctor's reprocessed evidence no longer has that event.
    EvidenceRecord.objects.filter(pk=record.pk).delete()
    response = report(proctor_client, attempt)
    review = response.context["review"]
    assert [n.text for n in review.detached_notes] == ["second tab switch: calculator"]
    assert [d.reason for d in review.detached_dismissals] == ["calculator"]
    assert all(item.dismissal is None and not item.notes for item in review.records)
    assert "About evidence no longer in AutoProctor" in response.content.decode()
