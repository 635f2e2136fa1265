"""The background worker: django-q2's qcluster runs the scheduled sync on the database broker,
and the tasks chain the evidence pass after the results pass."""

import signal

import pytest
from django.core.management import call_command
from django_q.models import OrmQ

from proctoring.models import Attempt, SyncRun
from proctoring.sync.leases import acquire
from proctoring.tasks import SyncFailed, SyncPartlyFailed, sync_results_task, sync_usage_task
from tests.sync_support import output_of, start_manage, stop_process, subprocess_env, wait_until


def queued_functions() -> list[str]:
    return [queued.func() for queued in OrmQ.objects.all()]


@pytest.mark.django_db
def test_the_results_task_queues_the_evidence_pass(simulator):
    summary = sync_results_task()

    assert (summary["kind"], summary["status"], summary["created"]) == ("results", "succeeded", 30)
    assert queued_functions() == ["proctoring.tasks.sync_evidence_task"]


@pytest.mark.django_db
def test_a_skipped_results_pass_leaves_the_evidence_to_the_pass_that_runs(simulator):
    acquire("results")
    assert sync_results_task()["status"] == "skipped"
    assert queued_functions() == []


@pytest.mark.django_db
def test_a_failed_stage_fails_its_task_with_the_reason(simulator, settings):
    settings.AUTOPROCTOR_CLIENT_SECRET = "a-wrong-secret-value"
    settings.AUTOPROCTOR_MAX_RETRIES = 0

    with pytest.raises(SyncFailed, match="AUTOPROCTOR_CLIENT_SECRET"):
        sync_results_task()
    with pytest.raises(SyncFailed, match="Usage sync failed"):
        sync_usage_task()
    assert queued_functions() == []


@pytest.mark.django_db
def test_a_partly_failed_results_task_fails_saying_how_many_and_still_queues_evidence(simulator):
    for attempt_id in simulator.dataset.listing()[12:14]:
        simulator.dataset.update(attempt_id, trust_score=-3)

    with pytest.raises(SyncPartlyFailed, match="2 of 30 attempts read were not stored"):
        sync_results_task()

    assert Attempt.objects.count() == 28
    assert SyncRun.objects.get(kind="results").status == SyncRun.Status.PARTIAL
    assert queued_functions() == ["proctoring.tasks.sync_evidence_task"]


@pytest.mark.django_db(transaction=True)
def test_qcluster_runs_the_scheduled_sync_on_the_database_broker(simulator, settings):
    """A real `manage.py qcluster` against the test database and the simulator: the schedule
    fires, the results task stores the attempts and queues the evidence pass, which runs too.
    django-q2 looks at its schedules every 30 s, so this takes about 35 s."""
    settings.SYNC_RESULTS_EVERY_MINUTES = 1
    call_command("setup_schedules")
    processed = sum(
        o["evidence_status"] == "processed" for o in simulator.dataset.attempts.values()
    )
    worker = start_manage("qcluster", env=subprocess_env(simulator, Q_WORKERS=1))
    try:
        with_evidence = Attempt.objects.exclude(evidence_fetched_at=None)
        done = wait_until(lambda: with_evidence.count() == processed, timeout=55, interval=0.5)
    finally:
        stop_process(worker, signal.SIGTERM)

    assert done, f"the worker did not sync within 55 s; its output:\n{output_of(worker)}"
    assert Attempt.objects.count() == 30
    kinds = set(SyncRun.objects.filter(status="succeeded").values_list("kind", flat=True))
    assert {"results", "evidence"} <= kinds
    assert worker.returncode is not None
