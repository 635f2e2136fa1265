"""A dismissal belongs to one evidence record, known by its attempt, device, label and time
(so it survives the evidence being fetched again). Records that share all but one of those
are other records: dismissing or counting one of them again leaves the others alone."""

from datetime import timedelta

import pytest
from django.urls import reverse

from review.models import EvidenceDismissal
from tests.fixtures.data import make_attempt, make_records

pytestmark = pytest.mark.django_db

DISMISSED = "Dismissed: it no longer counts after dismissals."
ALREADY = "This record was already dismissed; the first dismissal stays."


def post(client, record, action, reason="not a violation"):
    url = reverse("evidence-dismissal", args=[record.attempt_id, record.pk])
    return client.post(url, {"action": action, "reason": reason}, follow=True).content.decode()


@pytest.fixture
def look_alikes():
    """A record and, for each part of its identity, one that differs in that part alone."""
    first, second = make_attempt(), make_attempt()
    at = first.started_at + timedelta(minutes=5)
    record = make_records(first, "tab-switch", occurred_at=at)[0]
    return record, [
        make_records(first, "tab-switch", device="aux", occurred_at=at)[0],
        make_records(first, "noise-detected", occurred_at=at)[0],
        make_records(first, "tab-switch", occurred_at=at + timedelta(seconds=1))[0],
        make_records(second, "tab-switch", occurred_at=at)[0],
    ]


def test_dismissing_a_record_leaves_its_look_alikes_counting(proctor_client, look_alikes):
    record, others = look_alikes
    assert DISMISSED in post(proctor_client, record, "dismiss")
    for other in others:
        assert DISMISSED in post(proctor_client, other, "dismiss"), other
    assert EvidenceDismissal.objects.count() == 1 + len(others)
    assert ALREADY in post(proctor_client, record, "dismiss", reason="again")


def test_counting_a_record_again_leaves_its_look_alikes_dismissed(proctor_client, look_alikes):
    record, others = look_alikes
    for each in (record, *others):
        post(proctor_client, each, "dismiss")
    assert "The record counts again." in post(proctor_client, record, "restore")
    assert EvidenceDismissal.objects.count() == len(others)
