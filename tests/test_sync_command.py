"""`manage.py sync_autoproctor`: a foreground pass with a summary, failing fast and clearly."""

import socket
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from proctoring.models import Attempt, SyncRun, UsageSnapshot
from tests.sync_support import ROOT, snapshot, subprocess_env

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_and_in_the_test_thread(settings):
    settings.SYNC_EVIDENCE_WORKERS = settings.SYNC_EVIDENCE_MAX_CONCURRENCY = 1
    settings.AUTOPROCTOR_MAX_RETRIES = 1
    settings.AUTOPROCTOR_TIMEOUT = 5


def sync(*flags) -> str:
    out = StringIO()
    call_command("sync_autoproctor", *flags, stdout=out)
    return out.getvalue()


def processed_count(simulator) -> int:
    return sum(o["evidence_status"] == "processed" for o in simulator.dataset.attempts.values())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_pass_prints_what_each_stage_did(simulator):
    output = sync()

    assert "Results: succeeded - 30 created, 0 updated, 0 unchanged" in output
    assert f"evidence fetched for {processed_count(simulator)} attempts, 0 failed" in output
    assert "Usage: succeeded - 1 snapshot recorded" in output
    assert Attempt.objects.count() == 30


def test_a_second_pass_reports_everything_unchanged(simulator):
    sync()
    output = sync()
    assert "0 created, 0 updated, 30 unchanged" in output
    assert "evidence fetched for 0 attempts" in output


def test_flags_run_single_stages(simulator):
    sync("--results")
    assert list(SyncRun.objects.values_list("kind", flat=True)) == ["results"]
    sync("--usage")
    assert set(SyncRun.objects.values_list("kind", flat=True)) == {"results", "usage"}
    assert not Attempt.objects.exclude(evidence_fetched_at=None).exists()
    output = sync("--evidence")
    assert "Evidence: succeeded" in output and "Results" not in output


def test_attempt_failures_are_listed_and_the_pass_exits_partly_failed(simulator):
    failing_id = next(
        key
        for key, obj in simulator.dataset.attempts.items()
        if obj["evidence_status"] == "processed"
        and key.replace("-", "").isascii()
        and key.replace("-", "").isalnum()
    )
    simulator.inject("server_error", path_contains=f"/{failing_id}/evidence-records", times=-1)

    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("sync_autoproctor", stdout=out)
    output = out.getvalue()

    assert raised.value.returncode == 3
    assert str(raised.value).startswith("Evidence sync partly failed: the evidence of 1 attempts")
    assert "Evidence: partly failed - " in output and "1 failed" in output
    assert f"    {failing_id}: " in output
    assert "500" in output


@pytest.mark.parametrize(
    ("break_it", "cause", "fix"),
    [
        ("secret", "refused the credentials", "AUTOPROCTOR_CLIENT_SECRET"),
        ("clock", "clock", "NTP"),
        ("unreachable", "", "AUTOPROCTOR_BASE_URL"),
        ("unconfigured", "not configured", "AUTOPROCTOR_CLIENT_ID"),
    ],
)
def test_a_pass_that_cannot_talk_to_autoproctor_fails_fast_naming_cause_and_fix(
    simulator, settings, break_it, cause, fix
):
    sync()
    before = snapshot()
    simulator.clear_requests()
    if break_it == "secret":
        settings.AUTOPROCTOR_CLIENT_SECRET = "a-wrong-secret-value"
    elif break_it == "clock":
        simulator.set_clock_skew(300)
    elif break_it == "unreachable":
        settings.AUTOPROCTOR_BASE_URL = f"http://127.0.0.1:{closed_port()}"
    else:
        settings.AUTOPROCTOR_CLIENT_ID = ""
    snapshots_before = UsageSnapshot.objects.count()

    with pytest.raises(CommandError) as raised:
        sync()

    message = str(raised.value)
    assert message.startswith("Results sync failed: ")
    assert cause.lower() in message.lower()
    assert fix in message
    assert settings.AUTOPROCTOR_CLIENT_SECRET not in message
    assert snapshot() == before
    assert UsageSnapshot.objects.count() == snapshots_before
    # It failed at the first call instead of trying the other stages too (a refused secret:
    # after one attempt-signed call of a stored attempt, which refuses it too).
    assert len(simulator.requests) <= (2 if break_it == "secret" else 1)
    if break_it == "secret":
        assert "The attempt calls refuse these credentials too" in message
    assert SyncRun.objects.latest().status == SyncRun.Status.FAILED


def test_a_pass_that_stored_fewer_attempts_than_it_read_exits_3_saying_how_many(simulator):
    for attempt_id in simulator.dataset.listing()[12:15]:
        simulator.dataset.update(attempt_id, trust_score=250)

    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("sync_autoproctor", "--results", stdout=out)

    assert raised.value.returncode == 3
    assert str(raised.value).startswith(
        "Results sync partly failed: 3 of 30 attempts read were not stored: "
    )
    assert "fits no known scale" in str(raised.value)
    assert Attempt.objects.count() == 27
    run = SyncRun.objects.get(kind="results")
    (unfit,) = [w for w in run.warnings if w["kind"] == "unfit"]
    assert unfit["field"] == "trust_score" and unfit["count"] == 3 and unfit["level"] == "alarm"


@pytest.mark.django_db(transaction=True)
def test_the_command_exits_with_status_1_and_the_reason_on_stderr(simulator):
    env = subprocess_env(simulator, AUTOPROCTOR_CLIENT_SECRET="a-wrong-secret-value")

    finished = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "sync_autoproctor"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert finished.returncode == 1
    assert "AUTOPROCTOR_CLIENT_SECRET" in finished.stderr
    assert "a-wrong-secret-value" not in finished.stdout + finished.stderr
    assert Attempt.objects.count() == 0
