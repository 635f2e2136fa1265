"""Leases and run bookkeeping: one results pass at a time, and a crashed worker holds nothing
for long and leaves no run 'running' forever."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from proctoring.models import SyncLease, SyncRun
from proctoring.sync import leases, runs

pytestmark = pytest.mark.django_db


def test_a_free_lease_is_taken_and_a_held_one_is_refused():
    first = leases.acquire("results")
    assert first is not None
    assert leases.acquire("results") is None
    assert SyncLease.objects.get(name="results").holder == first.holder


def test_a_released_lease_can_be_taken_again():
    leases.acquire("results").release()
    assert leases.acquire("results") is not None


def test_the_lease_of_a_crashed_holder_expires_and_is_taken_over():
    SyncLease.objects.create(
        name="results", holder="gone:1:dead", expires_at=timezone.now() - timedelta(seconds=1)
    )
    lease = leases.acquire("results")
    assert lease is not None
    assert SyncLease.objects.get(name="results").holder == lease.holder


def test_a_holder_whose_lease_was_taken_over_learns_it_when_renewing():
    lease = leases.acquire("results")
    SyncLease.objects.filter(name="results").update(expires_at=timezone.now())
    successor = leases.acquire("results")
    assert successor is not None
    assert lease.renew() is False
    assert successor.renew() is True


def test_releasing_does_not_free_a_lease_someone_else_now_holds():
    lease = leases.acquire("results")
    SyncLease.objects.filter(name="results").update(expires_at=timezone.now())
    successor = leases.acquire("results")
    lease.release()
    assert SyncLease.objects.get(name="results").holder == successor.holder


def test_leases_of_different_names_do_not_block_each_other():
    assert leases.acquire("results") is not None
    assert leases.acquire("something-else") is not None


def test_a_run_left_running_by_a_dead_process_is_closed_as_interrupted():
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead_pid = finished.stdout.strip()
    host = runs.worker_name().rpartition(":")[0]
    crashed = SyncRun.objects.create(kind="evidence", worker=f"{host}:{dead_pid}")
    alive = SyncRun.objects.create(kind="evidence", worker=runs.worker_name())
    elsewhere = SyncRun.objects.create(kind="evidence", worker="another-machine:1")

    runs.start_run("evidence")

    crashed.refresh_from_db()
    assert crashed.status == SyncRun.Status.FAILED
    assert "Interrupted" in crashed.error_summary
    assert crashed.finished_at is not None
    assert SyncRun.objects.get(pk=alive.pk).status == SyncRun.Status.RUNNING
    assert SyncRun.objects.get(pk=elsewhere.pk).status == SyncRun.Status.RUNNING


def test_error_summaries_never_contain_the_client_secret(settings):
    settings.AUTOPROCTOR_CLIENT_SECRET = "s3cr3t-value"
    run = runs.start_run("results")
    runs.fail_run(run, RuntimeError("refused with s3cr3t-value in the message"))
    run.refresh_from_db()
    assert "s3cr3t-value" not in run.error_summary
    assert "refused with [secret] in the message" in run.error_summary


def test_a_long_list_of_problems_is_summarised_with_a_count():
    run = runs.start_run("results")
    runs.finish_run(run, [f"attempt {n}: bad" for n in range(80)])
    lines = run.error_summary.splitlines()
    assert lines[0] == "attempt 0: bad"
    assert lines[-1] == "... and 30 more"
    assert run.status == SyncRun.Status.PARTIAL


def test_a_lease_held_by_a_dead_process_on_this_machine_is_taken_at_once():
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    host = runs.worker_name().rpartition(":")[0]
    expires_at = timezone.now() + timedelta(minutes=5)
    SyncLease.objects.create(
        name="results", holder=f"{host}:{finished.stdout.strip()}:abcd", expires_at=expires_at
    )

    lease = leases.acquire("results")

    assert lease is not None
    assert SyncLease.objects.get(name="results").holder == lease.holder


def test_a_lease_held_on_another_machine_waits_for_its_expiry():
    expires_at = timezone.now() + timedelta(minutes=5)
    SyncLease.objects.create(name="results", holder="another-machine:1:abcd", expires_at=expires_at)

    assert leases.acquire("results") is None
    SyncLease.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert leases.acquire("results") is not None
