"""Undoing a verdict just given: a new history entry puts the attempt back as it was, the trail
keeps both, and only its reviewer may, for a short time, while it is the latest."""

from datetime import timedelta

import pytest
from django.db.models import QuerySet
from django.urls import reverse

from audit.models import AuditEvent
from review import services
from review.models import ReviewState, Verdict, VerdictChange
from review.undo import UNDO_SECONDS, VERDICT_UNDO
from tests.fixtures.data import make_attempts

pytestmark = pytest.mark.django_db


def give(client, attempt, verdict="cleared", reason="fine", queue=True):
    data = {"verdict": verdict, "reason": reason, "preset": "", "seen_violation_count": "0"}
    data["seen_trust_score"] = repr(attempt.trust_score)
    if queue:
        data["queue"] = "True"
    return client.post(reverse("attempt-verdict", args=[attempt.pk]), data)


def test_the_next_page_offers_to_undo_and_the_undo_restores_unreviewed(proctor_client):
    first, second = make_attempts(2, trust_score=lambda i: [0.1, 0.2][i])
    give(proctor_client, first)
    page = proctor_client.get(reverse("attempt-report", args=[second.pk]), {"queue": "1"})
    assert "Undo that verdict" in page.content.decode()
    change = VerdictChange.objects.get()
    response = proctor_client.post(reverse("verdict-undo", args=[change.pk]), {"queue": "1"})
    assert response["Location"] == f"/attempts/{first.pk}/?queue=1"
    assert not ReviewState.objects.filter(attempt=first).exists()  # back in the queue
    trail = list(VerdictChange.objects.order_by("pk").values_list("verdict", "previous_verdict"))
    assert trail == [(Verdict.CLEARED, Verdict.UNREVIEWED), (Verdict.UNREVIEWED, Verdict.CLEARED)]
    assert AuditEvent.objects.filter(action=VERDICT_UNDO).count() == 1
    # Once undone, there is nothing left to undo.
    page = proctor_client.get(reverse("review-queue")).content.decode()
    assert "Undo that verdict" not in page


def test_undoing_an_overturn_gives_the_verdict_back_to_its_reviewer(
    proctor, proctor_client, test_admin, test_admin_client
):
    (attempt,) = make_attempts(1, trust_score=0.1)
    services.set_verdict(user=proctor, attempt=attempt, verdict="suspicious", reason="odd")
    give(test_admin_client, attempt, "cleared", "seen the footage", queue=False)
    change = VerdictChange.objects.latest("pk")
    test_admin_client.post(reverse("verdict-undo", args=[change.pk]))
    state = ReviewState.objects.get(attempt=attempt)
    assert (state.verdict, state.reviewed_by, state.reason) == (Verdict.SUSPICIOUS, proctor, "odd")
    assert VerdictChange.objects.count() == 3


def test_only_the_reviewer_may_undo_and_only_for_a_while(proctor_client, test_admin_client):
    (attempt,) = make_attempts(1, trust_score=0.1)
    give(proctor_client, attempt)
    change = VerdictChange.objects.get()
    response = test_admin_client.post(reverse("verdict-undo", args=[change.pk]), follow=True)
    assert "can no longer be undone" in response.content.decode()
    late = change.at - timedelta(seconds=UNDO_SECONDS + 1)
    QuerySet(VerdictChange).filter(pk=change.pk).update(at=late)  # as if given long ago
    response = proctor_client.post(reverse("verdict-undo", args=[change.pk]), follow=True)
    assert "can no longer be undone" in response.content.decode()
    assert ReviewState.objects.get(attempt=attempt).verdict == Verdict.CLEARED
