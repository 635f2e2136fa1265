"""A verdict is refused when AutoProctor changed the figures the reviewer was shown, and the
violation count counts as much as the trust score: new evidence fetched meanwhile (a sync
that found more tab switches) means the reviewer judged an incomplete list."""

import pytest
from django.urls import reverse

from proctoring.models import Attempt
from review.models import VerdictChange
from tests.fixtures.data import make_attempt, make_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt():
    attempt = make_attempt(trust_score=0.42)
    make_records(attempt, "tab-switch", "noise-detected")
    return attempt


def give(client, shown, reason="Looked fine"):
    """POST the verdict form as the report filled it in for the figures `shown`."""
    return client.post(
        reverse("attempt-verdict", args=[shown.pk]),
        {
            "verdict": "cleared",
            "reason": reason,
            "preset": "",
            "seen_trust_score": repr(shown.trust_score),
            "seen_violation_count": str(shown.violation_count),
        },
    )


def test_a_verdict_on_a_violation_count_that_grew_meanwhile_is_refused(proctor_client, attempt):
    shown = Attempt.objects.get(pk=attempt.pk)
    make_records(attempt, "multiple-faces-detected")  # the sync stored one more violation
    attempt.refresh_from_db()
    assert (attempt.trust_score, attempt.violation_count) == (shown.trust_score, 3)

    response = give(proctor_client, shown)

    assert response.status_code == 409
    page = response.content.decode()
    assert "AutoProctor re-scored this attempt while you were reviewing it" in page
    assert (
        "AutoProctor re-scored this attempt while you were reviewing it (trust score 42.0 %, "
        "3 violations now). Nothing was saved: look at the current figures and give the "
        "verdict again."
    ) in page
    assert 'name="seen_violation_count" value="3"' in page
    assert not VerdictChange.objects.exists()


def test_a_verdict_on_a_violation_count_that_fell_meanwhile_is_refused(proctor_client, attempt):
    shown = Attempt.objects.get(pk=attempt.pk)
    Attempt.objects.filter(pk=attempt.pk).update(violation_count=1)
    assert give(proctor_client, shown).status_code == 409
    assert not VerdictChange.objects.exists()


def test_the_verdict_given_again_on_the_new_count_is_kept_with_that_count(proctor_client, attempt):
    shown = Attempt.objects.get(pk=attempt.pk)
    make_records(attempt, "multiple-faces-detected")
    assert give(proctor_client, shown).status_code == 409
    attempt.refresh_from_db()
    assert give(proctor_client, attempt).status_code == 302
    change = VerdictChange.objects.get()
    assert (change.seen_trust_score, change.seen_violation_count) == (0.42, 3)


def test_a_trust_score_withdrawn_meanwhile_is_named_as_none(proctor_client, attempt):
    shown = Attempt.objects.get(pk=attempt.pk)
    Attempt.objects.filter(pk=attempt.pk).update(trust_score=None)
    response = give(proctor_client, shown)
    assert response.status_code == 409
    assert "(trust score none, 2 violations now)" in response.content.decode()
    assert not VerdictChange.objects.exists()
