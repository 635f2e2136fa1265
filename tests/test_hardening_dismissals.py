"""Dismissals follow the verdicts' overturn rule: a reviewer may restore evidence they
dismissed, but only a test admin may restore evidence another reviewer dismissed."""

import pytest

from audit.models import AuditEvent
from review.models import EvidenceDismissal
from tests.fixtures.personas import PROCTOR, logged_in, make_user
from tests.test_review_notes import attempt, dismissal, records_of  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_a_proctor_cannot_restore_evidence_a_test_admin_dismissed(
    proctor_client,
    test_admin_client,
    attempt,  # noqa: F811
):
    record = records_of(attempt)[0]
    dismissal(test_admin_client, record, reason="allowed calculator")

    response = dismissal(proctor_client, record, action="restore")

    assert (
        "Only a test admin can count again evidence another reviewer dismissed (bob: allowed "
        "calculator), so it still does not count. Ask a test admin, or add a note."
    ) in response.content.decode()
    assert EvidenceDismissal.objects.get().reason == "allowed calculator"
    assert not AuditEvent.objects.filter(action="evidence.restore").exists()


def test_a_proctor_cannot_restore_evidence_another_proctor_dismissed(
    proctor_client,
    attempt,  # noqa: F811
):
    colleague = logged_in(make_user("dana", PROCTOR))
    record = records_of(attempt)[0]
    dismissal(colleague, record, reason="fan noise")

    dismissal(proctor_client, record, action="restore")

    assert EvidenceDismissal.objects.exists()


def test_a_proctor_may_restore_their_own_dismissal(proctor_client, attempt):  # noqa: F811
    record = records_of(attempt)[0]
    dismissal(proctor_client, record, reason="mistake")

    response = dismissal(proctor_client, record, action="restore")

    assert "The record counts again." in response.content.decode()
    assert not EvidenceDismissal.objects.exists()


def test_a_test_admin_may_restore_a_proctors_dismissal(
    proctor_client,
    test_admin_client,
    attempt,  # noqa: F811
):
    record = records_of(attempt)[0]
    dismissal(proctor_client, record, reason="fan noise")

    dismissal(test_admin_client, record, action="restore")

    assert not EvidenceDismissal.objects.exists()
