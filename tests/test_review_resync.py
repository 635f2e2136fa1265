"""Re-syncing never erases a review. A real sync against the simulator stores the attempts
and their evidence; a proctor reviews; AutoProctor changes the attempt; the next sync updates
the attempt (and replaces its evidence records) while the verdict, the notes and the
dismissals stay, and the attempt is flagged "changed since review"."""

from datetime import timedelta

import pytest
from django.urls import reverse

from proctoring.models import Attempt, EvidenceRecord
from proctoring.sync import sync_evidence, sync_results
from review import services
from review.models import ReviewState, Verdict, VerdictChange
from tests.sync_support import client_for, timestamp

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced(simulator, settings):
    """The simulator's data synced as the worker does it (evidence one attempt at a time)."""
    settings.SYNC_EVIDENCE_WORKERS = settings.SYNC_EVIDENCE_MAX_CONCURRENCY = 1
    client = client_for(simulator)

    def sync():
        assert sync_results(client=client).status == "succeeded"
        sync_evidence(client=client)

    sync()
    return sync


def processed_attempt_with_violations(simulator):
    for attempt in Attempt.objects.filter(evidence_fetched_at__isnull=False).order_by("pk"):
        if attempt.violation_count >= 2 and attempt.trust_score is not None:
            return attempt
    raise AssertionError("the simulator has no processed attempt with two violations")


def give(client, attempt, verdict, reason):
    return client.post(
        reverse("attempt-verdict", args=[attempt.pk]),
        {
            "verdict": verdict,
            "reason": reason,
            "seen_trust_score": repr(attempt.trust_score),
            "seen_violation_count": str(attempt.violation_count),
        },
    )


def test_a_re_sync_keeps_the_verdict_and_flags_the_re_scored_attempt(
    simulator, synced, proctor_client
):
    attempt = processed_attempt_with_violations(simulator)
    assert give(proctor_client, attempt, "cleared", "Calculator was allowed").status_code == 302
    list_url = reverse("attempt-list")
    assert not proctor_client.get(list_url, {"changed_since_review": "on"}).context["page"].rows

    simulator.dataset.update(attempt.test_attempt_id, trust_score=0.31)
    synced()

    attempt.refresh_from_db()
    assert attempt.trust_score == 0.31  # the sync did update the attempt
    state = ReviewState.objects.get(attempt=attempt)
    assert (state.verdict, state.reason, state.reviewer_name) == (
        Verdict.CLEARED,
        "Calculator was allowed",
        "alice",
    )
    assert VerdictChange.objects.filter(attempt=attempt).count() == 1
    changed = proctor_client.get(list_url, {"changed_since_review": "on"}).context["page"].rows
    assert [row.pk for row in changed] == [attempt.pk]
    assert changed[0].changed_since_review and changed[0].review_status == "cleared"
    report = proctor_client.get(reverse("attempt-report", args=[attempt.pk])).content.decode()
    assert "changed since review" in report
    assert "AutoProctor changed this attempt after the verdict" in report
    # Below the threshold now: back in the queue, with its badge.
    queue = proctor_client.get(reverse("review-queue"))
    assert attempt.pk in [row.pk for row in queue.context["page"].rows]


def test_notes_and_dismissals_on_evidence_survive_the_evidence_being_fetched_again(
    simulator, synced, proctor, proctor_client
):
    attempt = processed_attempt_with_violations(simulator)
    violation = attempt.evidence_records.filter(is_violation=True).order_by("occurred_at").first()
    services.add_note(
        user=proctor, attempt=attempt, text="the allowed calculator", record=violation
    )
    services.dismiss_record(user=proctor, record=violation, reason="calculator allowed")
    services.add_note(user=proctor, attempt=attempt, text="overall fine")
    old_ids = set(attempt.evidence_records.values_list("pk", flat=True))

    # AutoProctor reports a new submission time: the sync fetches the evidence again and
    # replaces the attempt's records.
    submitted = timestamp(simulator.dataset.attempts[attempt.test_attempt_id]["submitted_at"])
    new_time = (submitted + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    simulator.dataset.update(attempt.test_attempt_id, submitted_at=new_time)
    synced()

    attempt.refresh_from_db()
    new_ids = set(attempt.evidence_records.values_list("pk", flat=True))
    assert new_ids and not new_ids & old_ids, "the evidence records were not replaced"
    same_event = EvidenceRecord.objects.get(
        attempt=attempt,
        device=violation.device,
        label=violation.label,
        occurred_at=violation.occurred_at,
    )
    response = proctor_client.get(reverse("attempt-report", args=[attempt.pk]))
    review = response.context["review"]
    item = next(item for item in review.records if item.record.pk == same_event.pk)
    assert [note.text for note in item.notes] == ["the allowed calculator"]
    assert item.dismissal.reason == "calculator allowed"
    assert [note.text for note in review.notes] == ["overall fine"]
    assert review.violations == attempt.violation_count
    assert review.violations_after_dismissals == attempt.violation_count - 1
    assert not review.detached_notes and not review.detached_dismissals
