"""The results pass's figures add up over every page, and an attempt is matched only with the
same tenant's copy: another account with an attempt of the same id (ids are the customer's
own) is a different attempt, never taken for this one."""

import pytest
from django.utils import timezone

from proctoring.models import Attempt
from proctoring.sync import sync_results
from tests.fixtures.data import make_attempt
from tests.sync_support import client_for

pytestmark = pytest.mark.django_db


def test_the_figures_of_a_pass_add_up_over_every_page(make_simulator):
    simulator = make_simulator(attempts=230)  # three pages of 100
    client = client_for(simulator)

    first = sync_results(client=client)
    assert (first.created, first.updated, first.unchanged) == (230, 0, 0)

    changed = sorted(simulator.dataset.attempts)[:3]
    for test_attempt_id in changed:
        simulator.dataset.update(test_attempt_id, device="tablet")
    second = sync_results(client=client)
    assert (second.created, second.updated, second.unchanged) == (0, 3, 227)


def test_an_attempt_of_another_tenant_with_the_same_id_is_another_attempt(simulator):
    test_attempt_id = sorted(simulator.dataset.attempts)[0]
    theirs = make_attempt(client_id="another-account", test_attempt_id=test_attempt_id)

    run = sync_results(client=client_for(simulator))

    assert run.created == len(simulator.dataset.attempts)
    ours = Attempt.objects.get(client_id=simulator.client_id, test_attempt_id=test_attempt_id)
    assert ours.pk != theirs.pk
    theirs_now = Attempt.objects.get(pk=theirs.pk)
    assert (theirs_now.candidate_name, theirs_now.last_synced_at) == (
        theirs.candidate_name,
        theirs.last_synced_at,
    )


def test_only_a_new_evidence_status_or_submission_marks_evidence_for_fetching_again(simulator):
    client = client_for(simulator)
    sync_results(client=client)
    processed = sorted(
        each
        for each, attempt in simulator.dataset.attempts.items()
        if attempt["evidence_status"] == "processed"
    )[:3]
    Attempt.objects.filter(test_attempt_id__in=processed).update(evidence_fetched_at=timezone.now())
    status, device, score = processed
    simulator.dataset.update(status, evidence_status="reprocessing")
    simulator.dataset.update(device, device="tablet")
    simulator.dataset.update(score, trust_score=0.11)

    sync_results(client=client)

    fetched = dict(
        Attempt.objects.filter(test_attempt_id__in=processed).values_list(
            "test_attempt_id", "evidence_fetched_at"
        )
    )
    assert fetched[status] is None
    assert fetched[device] is not None and fetched[score] is not None
