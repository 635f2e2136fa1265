"""What a reviewer is told and what the audit trail keeps when review rules refuse or undo
something: the attempts a bulk verdict may not overturn are each named, and counting a
dismissed record again is recorded with who, which attempt and the dismissal it undid."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from review import services
from review.models import EvidenceDismissal, ReviewNote, Verdict, VerdictChange
from tests.fixtures.data import make_attempt, make_attempts, make_records

pytestmark = pytest.mark.django_db


def count_again(client, record):
    url = reverse("evidence-dismissal", args=[record.attempt_id, record.pk])
    return client.post(url, {"action": "restore", "reason": ""}, follow=True)


def test_a_refused_bulk_verdict_names_every_attempt_of_another_reviewer(proctor_client, test_admin):
    named, unnamed, free = make_attempts(3)
    unnamed.candidate_name = ""
    unnamed.save(update_fields=["candidate_name"])
    for attempt in (named, unnamed):
        services.set_verdict(user=test_admin, attempt=attempt, verdict="violation", reason="phone")

    response = proctor_client.post(
        reverse("attempt-bulk-verdict"),
        {
            "attempts": [str(named.pk), str(unnamed.pk), str(free.pk)],
            "verdict": "cleared",
            "reason": "all fine",
            "preset": "",
        },
        follow=True,
    )

    assert (
        "Only a test admin can change a verdict another reviewer gave, so nothing was changed. "
        f"Given by someone else: {named.test_attempt_id} ({named.candidate_name}): Violation "
        f"confirmed by bob; {unnamed.test_attempt_id} (no name): Violation confirmed by bob. "
        "Leave these out, or ask a test admin."
    ) in response.content.decode()


def test_counting_a_record_again_is_audited_with_the_dismissal_it_undoes(proctor_client, proctor):
    attempt = make_attempt()
    record = make_records(attempt, "noise-detected")[0]
    url = reverse("evidence-dismissal", args=[attempt.pk, record.pk])
    proctor_client.post(url, {"action": "dismiss", "reason": "fan noise"})

    response = count_again(proctor_client, record)

    assert "The record counts again." in response.content.decode()
    event = AuditEvent.objects.get(action="evidence.restore")
    assert (event.user_id, event.attempt_id) == (proctor.pk, attempt.pk)
    assert event.summary == "Counted noise-detected again (dismissed by alice: fan noise)"
    assert event.detail["dismissal_reason"] == "fan noise"
    assert event.detail["label"] == "noise-detected"


def test_counting_again_a_record_never_dismissed_changes_nothing(proctor_client):
    record = make_records(make_attempt(), "noise-detected")[0]
    response = count_again(proctor_client, record)
    assert "This record was not dismissed." in response.content.decode()
    assert not AuditEvent.objects.filter(action="evidence.restore").exists()


def test_a_bulk_verdict_keeps_each_attempts_previous_verdict_and_audits_each(
    proctor_client, proctor
):
    earlier, fresh = make_attempts(2)
    services.set_verdict(user=proctor, attempt=earlier, verdict="suspicious", reason="odd")

    proctor_client.post(
        reverse("attempt-bulk-verdict"),
        {
            "attempts": [str(earlier.pk), str(fresh.pk)],
            "verdict": "cleared",
            "reason": "seen in person",
            "preset": "",
        },
    )

    latest = {
        change.attempt_id: change
        for change in VerdictChange.objects.filter(bulk=True).order_by("pk")
    }
    assert latest[earlier.pk].previous_verdict == Verdict.SUSPICIOUS
    assert latest[fresh.pk].previous_verdict == Verdict.UNREVIEWED
    events = {event.attempt_id: event for event in AuditEvent.objects.filter(action="verdict.bulk")}
    assert set(events) == {earlier.pk, fresh.pk}
    assert all(event.user_id == proctor.pk for event in events.values())
    assert events[earlier.pk].summary == (
        "Cleared (was Suspicious), with 1 other(s): seen in person"
    )
    assert events[fresh.pk].detail == {
        "verdict": "cleared",
        "previous_verdict": "unreviewed",
        "preset": "",
        "reason": "seen in person",
        "seen_trust_score": fresh.trust_score,
        "seen_violation_count": 0,
        "attempts_together": 2,
    }


def test_a_note_on_a_record_keeps_its_author_and_the_record_in_the_trail(proctor_client, proctor):
    attempt = make_attempt()
    record = make_records(attempt, "tab-switch")[0]

    proctor_client.post(
        reverse("attempt-note", args=[attempt.pk]),
        {"text": "Alt-tab to the calculator", "record": record.pk},
    )

    note = ReviewNote.objects.get()
    assert (note.author_id, note.author_name) == (proctor.pk, "alice")
    event = AuditEvent.objects.get(action="note.add")
    assert (event.user_id, event.attempt_id) == (proctor.pk, attempt.pk)
    assert event.summary == "Note on tab-switch: Alt-tab to the calculator"
    assert event.detail == {
        "note": note.pk,
        "text": "Alt-tab to the calculator",
        "record": record.pk,
        "device": "primary",
        "position": record.position,
        "label": "tab-switch",
        "occurred_at": record.occurred_at.isoformat(),
    }


def test_a_dismissal_keeps_who_dismissed_it_and_is_audited_on_its_attempt(proctor_client, proctor):
    attempt = make_attempt()
    record = make_records(attempt, "noise-detected")[0]

    proctor_client.post(
        reverse("evidence-dismissal", args=[attempt.pk, record.pk]),
        {"action": "dismiss", "reason": "fan noise"},
    )

    dismissal = EvidenceDismissal.objects.get()
    assert (dismissal.dismissed_by_id, dismissal.dismissed_by_name) == (proctor.pk, "alice")
    event = AuditEvent.objects.get(action="evidence.dismiss")
    assert (event.user_id, event.attempt_id) == (proctor.pk, attempt.pk)
    assert event.summary == "Dismissed noise-detected: fan noise"
    assert event.detail == {
        "record": record.pk,
        "device": "primary",
        "position": record.position,
        "label": "noise-detected",
        "occurred_at": record.occurred_at.isoformat(),
        "reason": "fan noise",
    }


def test_records_dismissed_together_say_how_many_in_the_trail(proctor_client):
    attempt = make_attempt()
    records = make_records(attempt, "noise-detected", "noise-detected")

    proctor_client.post(
        reverse("attempt-group-dismissal", args=[attempt.pk]),
        {"records": [record.pk for record in records], "reason": "fan noise"},
    )

    events = AuditEvent.objects.filter(action="evidence.dismiss")
    assert [event.detail["records_together"] for event in events] == [2, 2]


def test_a_note_on_a_record_without_a_time_is_audited_without_one(proctor_client):
    attempt = make_attempt()
    record = make_records(attempt, "went-offline", occurred_at=None)[0]
    proctor_client.post(
        reverse("attempt-note", args=[attempt.pk]), {"text": "Wi-Fi", "record": record.pk}
    )
    assert AuditEvent.objects.get(action="note.add").detail["occurred_at"] is None
