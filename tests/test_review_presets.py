"""Common reasons test admins manage (review.presets): offered on the verdict form of every test
or of one, accepted when chosen, audited; proctors may not change them."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from review.models import ReasonPreset, ReviewState
from review.presets import BUILT_IN
from tests.fixtures.data import make_attempt

pytestmark = pytest.mark.django_db

REASONS = reverse("review-reasons")


def test_a_test_admin_adds_reasons_for_one_test_and_for_every_test(
    test_admin_client, proctor_client
):
    maths = make_attempt(lookup_key="maths-101", trust_score=0.2)
    physics = make_attempt(lookup_key="physics-201", trust_score=0.2)
    test_admin_client.post(REASONS, {"text": "calculator was allowed", "lookup_key": "maths-101"})
    test_admin_client.post(REASONS, {"text": "fire drill at 10:00", "lookup_key": ""})
    assert AuditEvent.objects.filter(action="preset.add").count() == 2

    def offered(attempt):
        return proctor_client.get(reverse("attempt-report", args=[attempt.pk])).content.decode()

    assert "calculator was allowed" in offered(maths)
    assert "calculator was allowed" not in offered(physics)
    assert "fire drill at 10:00" in offered(physics)
    data = {
        "verdict": "cleared",
        "preset": "calculator was allowed",
        "reason": "calculator was allowed",
        "seen_trust_score": "0.2",
        "seen_violation_count": "0",
    }
    response = proctor_client.post(reverse("attempt-verdict", args=[maths.pk]), data)
    assert response.status_code == 302
    assert ReviewState.objects.get(attempt=maths).reason == "calculator was allowed"
    # Another test's reason is not one of physics' choices.
    response = proctor_client.post(reverse("attempt-verdict", args=[physics.pk]), data)
    assert response.status_code == 400


def test_a_duplicate_or_empty_reason_is_refused_with_why(test_admin_client):
    make_attempt(lookup_key="maths-101")
    response = test_admin_client.post(REASONS, {"text": BUILT_IN[0]}, follow=True)
    assert "already one of the built-in reasons" in response.content.decode()
    test_admin_client.post(REASONS, {"text": "noise from outside"})
    response = test_admin_client.post(REASONS, {"text": "noise from outside"}, follow=True)
    assert "already a common reason for every test" in response.content.decode()
    response = test_admin_client.post(REASONS, {"text": "x", "lookup_key": "nope"}, follow=True)
    assert "No test &#x27;nope&#x27;" in response.content.decode()
    assert ReasonPreset.objects.count() == 1


def test_a_test_admin_removes_a_reason_and_a_proctor_may_not_manage_them(
    test_admin_client, proctor_client
):
    test_admin_client.post(REASONS, {"text": "noise from outside"})
    preset = ReasonPreset.objects.get()
    assert proctor_client.post(REASONS, {"remove": preset.pk}).status_code == 403
    test_admin_client.post(REASONS, {"remove": preset.pk})
    assert not ReasonPreset.objects.exists()
    assert AuditEvent.objects.filter(action="preset.remove").count() == 1


def test_a_malformed_id_removes_nothing_and_says_so(test_admin_client):
    test_admin_client.post(REASONS, {"text": "noise from outside"})
    response = test_admin_client.post(REASONS, {"remove": "²"}, follow=True)
    assert "Not a common reason" in response.content.decode()
    assert ReasonPreset.objects.count() == 1


def test_a_nul_in_a_reason_is_stored_replaced(test_admin_client):
    test_admin_client.post(REASONS, {"text": "fire\x00alarm"})
    assert ReasonPreset.objects.get().text == "fire\ufffdalarm"


def test_a_test_admin_limited_to_some_tests_manages_only_their_reasons(client):
    from access.roles import TEST_ADMIN
    from access.scopes import set_grants
    from tests.fixtures.personas import make_user

    make_attempt(lookup_key="biology-1")
    make_attempt(lookup_key="chemistry-1")
    ReasonPreset.objects.create(text="chem only", lookup_key="chemistry-1", added_by_name="x")
    ReasonPreset.objects.create(text="for every test", lookup_key="", added_by_name="x")
    dana = make_user("dana")
    set_grants(dana, {TEST_ADMIN: ["biology-*"]}, source="cli")
    client.force_login(dana)

    page = client.get(REASONS).content.decode()
    assert "chem only" not in page and "chemistry-1" not in page
    refused = client.post(REASONS, {"text": "for all"}, follow=True).content.decode()
    assert "limited to some tests" in refused
    chem = ReasonPreset.objects.get(text="chem only")
    client.post(REASONS, {"remove": str(chem.pk)})
    client.post(REASONS, {"text": "bio reason", "lookup_key": "biology-1"})
    assert set(ReasonPreset.objects.values_list("text", flat=True)) == {
        "chem only",
        "for every test",
        "bio reason",
    }
