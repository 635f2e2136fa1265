"""Assignment (review.assignments): a test admin shares a test's queue among named reviewers;
"next" offers each their own attempts first and never another's, and the queue says "N left
for you, M in the test"."""

import pytest
from django.urls import reverse

from access.roles import PROCTOR
from audit.models import AuditEvent
from proctoring.models import Attempt
from review.models import ReviewAssignment
from tests.fixtures.data import make_attempts
from tests.fixtures.personas import logged_in, make_user

pytestmark = pytest.mark.django_db

ASSIGN = reverse("review-assign")
NEXT = reverse("review-next")


@pytest.fixture
def maths():
    return make_attempts(
        5, lookup_key="maths-101", trust_score=lambda i: 0.1 + i / 100, candidate_name="M"
    )


def test_a_test_admin_shares_a_tests_queue_and_next_follows_it(
    test_admin_client, proctor, proctor_client, maths
):
    dave = make_user("dave", PROCTOR)
    (other,) = make_attempts(1, lookup_key="physics-201", trust_score=0.05)
    response = test_admin_client.post(
        ASSIGN,
        {"lookup_key": "maths-101", "reviewers": [proctor.pk, dave.pk], "each": "2"},
        follow=True,
    )
    assert "maths-101: assigned 2 to alice, 2 to dave." in response.content.decode()
    assert AuditEvent.objects.filter(action="queue.assign").count() == 1
    mine = list(
        ReviewAssignment.objects.filter(reviewer=proctor)
        .order_by("attempt_id")
        .values_list("attempt_id", flat=True)
    )
    assert mine == [maths[0].pk, maths[2].pk]  # in turn, riskiest first
    page = proctor_client.get(reverse("review-queue")).content.decode()
    assert "2 left for you</strong>, 5 in maths-101" in page
    report = proctor_client.get(reverse("attempt-report", args=[maths[0].pk]), {"queue": "1"})
    assert "<strong>2</strong> left for you, 5 in the test" in report.content.decode()
    # Alice's own come first, though physics' attempt is riskier; then the unassigned ones,
    # never Dave's (maths[1], maths[3]).
    handed = [int(proctor_client.post(NEXT)["Location"].split("/")[2])]
    for _ in range(3):
        attempt = Attempt.objects.get(pk=handed[-1])
        location = proctor_client.post(
            reverse("attempt-verdict", args=[attempt.pk]),
            {
                "verdict": "cleared",
                "reason": "fine",
                "seen_trust_score": repr(attempt.trust_score),
                "seen_violation_count": "0",
                "queue": "True",
            },
        )["Location"]
        handed.append(int(location.split("/")[2]))
    # After her own, the queue goes on from where she is (maths[4]), then from the top.
    assert handed == [maths[0].pk, maths[2].pk, maths[4].pk, other.pk]


def test_assigning_needs_a_test_and_reviewers(test_admin_client, proctor, maths):
    response = test_admin_client.post(ASSIGN, {"lookup_key": "maths-101"}, follow=True)
    assert "Choose at least one reviewer" in response.content.decode()
    response = test_admin_client.post(
        ASSIGN, {"lookup_key": "nope", "reviewers": [proctor.pk]}, follow=True
    )
    assert "Choose a test whose queue has attempts" in response.content.decode()
    assert not ReviewAssignment.objects.exists()
    whole = test_admin_client.post(ASSIGN, {"lookup_key": "maths-101", "reviewers": [proctor.pk]})
    assert whole.status_code == 302
    assert ReviewAssignment.objects.filter(reviewer=proctor).count() == 5


def test_a_proctor_may_not_assign(proctor_client, maths):
    assert proctor_client.post(ASSIGN, {"lookup_key": "maths-101"}).status_code == 403
    assert logged_in(make_user("eve")).get(ASSIGN).status_code == 403


def test_malformed_numbers_assign_nothing(test_admin_client, proctor, maths):
    for fields in ({"each": "²"}, {"each": "9" * 25}):
        response = test_admin_client.post(
            ASSIGN, {"lookup_key": "maths-101", "reviewers": [proctor.pk], **fields}, follow=True
        )
        assert "Attempts each: a whole number" in response.content.decode()
    response = test_admin_client.post(
        ASSIGN, {"lookup_key": "maths-101", "reviewers": ["²", "x"]}, follow=True
    )
    assert "Choose at least one reviewer" in response.content.decode()
    assert not ReviewAssignment.objects.exists()
