"""Bulk verdicts from the attempts list: one reason for all, one history entry each, all or
nothing, and attempts the user may not overturn are named."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from proctoring.models import Attempt
from review import services
from review.models import ReviewState, Verdict, VerdictChange
from tests.fixtures.data import make_attempts

pytestmark = pytest.mark.django_db

LIST_URL = reverse("attempt-list") + "?lookup_key=maths-101&o=trust"


def bulk(client, attempts, verdict="cleared", reason="Checked in the exam room", **fields):
    data = {
        "attempts": [str(attempt.pk) for attempt in attempts],
        "verdict": verdict,
        "reason": reason,
        "preset": "",
        "next": LIST_URL,
    }
    data.update(fields)
    return client.post(reverse("attempt-bulk-verdict"), data, follow=True)


def test_each_ticked_attempt_gets_its_own_history_entry_with_the_shared_reason(
    proctor_client, proctor
):
    attempts = make_attempts(3, trust_score=lambda i: [0.5, 0.6, 0.7][i])
    untouched = make_attempts(1)[0]
    response = bulk(proctor_client, attempts, "cleared", "Proctored in person, all fine")
    assert response.redirect_chain[-1][0] == LIST_URL
    assert "Cleared: 3 attempts, each with its own history entry." in response.content.decode()
    changes = VerdictChange.objects.order_by("attempt_id")
    assert [change.attempt_id for change in changes] == [attempt.pk for attempt in attempts]
    assert {(c.verdict, c.reason, c.bulk, c.reviewer_id) for c in changes} == {
        ("cleared", "Proctored in person, all fine", True, proctor.pk)
    }
    assert [change.seen_trust_score for change in changes] == [0.5, 0.6, 0.7]
    assert ReviewState.objects.filter(verdict=Verdict.CLEARED).count() == 3
    assert not ReviewState.objects.filter(attempt=untouched).exists()
    assert AuditEvent.objects.filter(action="verdict.bulk").count() == 3


def test_a_bulk_verdict_refuses_all_when_one_was_given_by_another_reviewer(
    proctor_client, test_admin
):
    attempts = make_attempts(3)
    taken = attempts[1]
    services.set_verdict(user=test_admin, attempt=taken, verdict="violation", reason="phone")
    response = bulk(proctor_client, attempts, "cleared", "all fine")
    page = response.content.decode()
    assert "Only a test admin can change a verdict another reviewer gave, so nothing was" in page
    assert f"{taken.test_attempt_id} ({taken.candidate_name}): Violation confirmed by bob" in page
    assert VerdictChange.objects.count() == 1  # only the admin's own
    assert ReviewState.objects.get(attempt=taken).verdict == Verdict.VIOLATION
    assert not AuditEvent.objects.filter(action="verdict.bulk").exists()


def test_a_test_admin_bulk_overturns_verdicts_of_others(test_admin_client, proctor):
    attempts = make_attempts(2)
    services.set_verdict(user=proctor, attempt=attempts[0], verdict="violation", reason="x")
    bulk(test_admin_client, attempts, "cleared", "reviewed the footage again")
    assert set(ReviewState.objects.values_list("verdict", flat=True)) == {"cleared"}
    assert VerdictChange.objects.filter(bulk=True).count() == 2


def test_a_bulk_verdict_without_a_reason_or_without_attempts_changes_nothing(proctor_client):
    attempts = make_attempts(2)
    page = bulk(proctor_client, attempts, reason="").content.decode()
    assert "No verdict was given. Give a reason" in page
    page = bulk(proctor_client, [], reason="fine").content.decode()
    assert "Tick the attempts to give this verdict first." in page
    assert not VerdictChange.objects.exists()


def test_a_bulk_verdict_goes_back_only_to_our_own_pages(proctor_client):
    attempts = make_attempts(1)
    response = bulk(proctor_client, attempts, next="https://evil.example/")
    assert response.redirect_chain[-1][0] == reverse("attempt-list")


def test_a_bulk_verdict_must_be_posted_with_the_csrf_token(proctor):
    attempts = make_attempts(2)
    client = Client(enforce_csrf_checks=True)
    client.force_login(proctor)
    assert client.get(reverse("attempt-bulk-verdict")).status_code == 405
    response = client.post(
        reverse("attempt-bulk-verdict"),
        {"attempts": [a.pk for a in attempts], "verdict": "cleared", "reason": "x"},
    )
    assert response.status_code == 403
    assert not VerdictChange.objects.exists()


def test_the_list_offers_checkboxes_and_the_bulk_form_to_reviewers(proctor_client):
    attempts = make_attempts(2)
    page = proctor_client.get(reverse("attempt-list")).content.decode()
    assert 'action="/attempts/verdicts/"' in page
    for attempt in attempts:
        assert f'name="attempts" value="{attempt.pk}" form="bulk-form"' in page


def test_the_bulk_form_has_no_verdict_chosen_and_offers_select_all(proctor_client):
    make_attempts(2)
    page = proctor_client.get(reverse("attempt-list")).content.decode()
    assert '<option value="" selected>Choose a verdict</option>' in page
    assert "data-bulk-all" in page
    # Without a verdict chosen, nothing is given.
    response = proctor_client.post(
        reverse("attempt-bulk-verdict"),
        {"attempts": [a.pk for a in Attempt.objects.all()], "verdict": "", "reason": "x"},
        follow=True,
    )
    assert "Choose a verdict" in response.content.decode()
    assert not VerdictChange.objects.exists()


def test_select_all_matching_gives_the_verdict_to_every_attempt_the_filters_match(
    proctor_client,
):
    low = make_attempts(3, trust_score=0.1)
    high = make_attempts(2, trust_score=0.95)
    response = proctor_client.post(
        reverse("attempt-bulk-verdict"),
        {
            "all_matching": "1",
            "matching_query": "trust_max=50",
            "verdict": "suspicious",
            "reason": "low scores, check the footage",
            "preset": "",
        },
        follow=True,
    )
    assert "Suspicious: 3 attempts" in response.content.decode()
    assert set(VerdictChange.objects.values_list("attempt_id", flat=True)) == {a.pk for a in low}
    assert not VerdictChange.objects.filter(attempt__in=high).exists()
