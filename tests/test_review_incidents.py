"""Incidents: bursts of one label grouped on the report, and dismissed with one reason as one
dismissal per event, each in the audit trail; "dismiss every <label>" for a known pattern."""

from datetime import timedelta

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from proctoring.models import EvidenceRecord
from review import services
from review.models import EvidenceDismissal
from tests.fixtures.data import make_attempt, make_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt():
    """Three "no face" 30 s apart, a tab switch among them, then a fourth "no face" 5 min on."""
    attempt = make_attempt(trust_score=0.5)
    start = attempt.started_at
    for seconds in (60, 90, 120, 420):
        make_records(
            attempt, "no-face-looking-at-camera", occurred_at=start + timedelta(seconds=seconds)
        )
    make_records(attempt, "tab-switch", occurred_at=start + timedelta(seconds=100))
    make_records(attempt, "random-photo-taken", is_violation=False, s3_path=None)
    return attempt


def incidents(client, attempt):
    response = client.get(reverse("attempt-report", args=[attempt.pk]))
    return response, response.context["workspace"].incidents


def test_events_of_one_label_within_the_gap_are_one_incident(proctor_client, attempt):
    _, found = incidents(proctor_client, attempt)
    summary = [(incident.label, incident.count) for incident in found]
    assert summary == [
        ("no-face-looking-at-camera", 3),
        ("tab-switch", 1),
        ("random-photo-taken", 1),
        ("no-face-looking-at-camera", 1),
    ]
    assert found[0].evidence_count == 3


def test_the_gap_is_a_setting(proctor_client, attempt, settings):
    settings.INCIDENT_GAP_SECONDS = 10
    _, found = incidents(proctor_client, attempt)
    assert [incident.count for incident in found if incident.label.startswith("no-face")] == [
        1,
        1,
        1,
        1,
    ]


def test_the_report_shows_an_incident_with_its_count_and_times(proctor_client, attempt):
    response, _ = incidents(proctor_client, attempt)
    page = response.content.decode()
    assert '<span class="incident-count">3 events</span>' in page
    assert "+1:00–+2:00" in page


def dismiss_group(client, attempt, **data):
    url = reverse("attempt-group-dismissal", args=[attempt.pk])
    return client.post(url, data, follow=True)


def test_dismissing_an_incident_records_one_dismissal_per_event(proctor_client, attempt):
    _, found = incidents(proctor_client, attempt)
    response = dismiss_group(
        proctor_client, attempt, records=found[0].record_ids, reason="lamp went out"
    )
    assert "Dismissed 3 violations, each recorded with the reason." in response.content.decode()
    dismissals = EvidenceDismissal.objects.order_by("occurred_at")
    assert [d.occurred_at for d in dismissals] == [
        item.record.occurred_at for item in found[0].items
    ]
    assert {d.reason for d in dismissals} == {"lamp went out"}
    events = AuditEvent.objects.filter(action="evidence.dismiss")
    assert events.count() == 3
    assert {event.detail["records_together"] for event in events} == {3}
    assert response.context["review"].violations_after_dismissals == 2


def test_dismissing_every_record_of_a_label_leaves_other_labels_counting(proctor_client, attempt):
    dismiss_group(proctor_client, attempt, label="no-face-looking-at-camera", reason="dark room")
    assert set(EvidenceDismissal.objects.values_list("label", flat=True)) == {
        "no-face-looking-at-camera"
    }
    assert EvidenceDismissal.objects.count() == 4
    again = dismiss_group(proctor_client, attempt, label="no-face-looking-at-camera", reason="x")
    assert "already dismissed keep their first dismissal" in again.content.decode()
    assert EvidenceDismissal.objects.count() == 4
    assert set(EvidenceDismissal.objects.values_list("reason", flat=True)) == {"dark room"}


def test_records_of_another_attempt_are_never_dismissed(proctor_client, attempt):
    other = make_attempt()
    (foreign,) = make_records(other, "tab-switch")
    dismiss_group(proctor_client, attempt, records=[foreign.pk], reason="not mine")
    assert not EvidenceDismissal.objects.exists()


def test_a_group_dismissal_without_a_reason_dismisses_nothing(proctor_client, attempt):
    response = dismiss_group(proctor_client, attempt, label="tab-switch", reason="")
    assert "Say why these records do not count; nothing was dismissed." in (
        response.content.decode()
    )
    assert not EvidenceDismissal.objects.exists()


def test_a_label_dismissed_after_one_of_its_events_dismisses_the_rest_each_once(
    proctor_client, test_admin, attempt
):
    first, *_ = EvidenceRecord.objects.filter(label__startswith="no-face").order_by("occurred_at")
    later = first.occurred_at + timedelta(seconds=30)
    make_records(attempt, "no-face-looking-at-camera", occurred_at=later)  # listed twice
    services.dismiss_record(user=test_admin, record=first, reason="camera covered")

    dismiss_group(proctor_client, attempt, label="no-face-looking-at-camera", reason="dark room")

    reasons = sorted(EvidenceDismissal.objects.values_list("occurred_at", "reason"))
    start = attempt.started_at
    assert reasons == [
        (start + timedelta(seconds=60), "camera covered"),
        (start + timedelta(seconds=90), "dark room"),
        (start + timedelta(seconds=120), "dark room"),
        (start + timedelta(seconds=420), "dark room"),
    ]
