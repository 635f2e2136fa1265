"""`manage.py sync_autoproctor` shows how far a long pass is: a progress bar with rate and time
left on a terminal, and plain lines every few seconds when its output goes to a log."""

import os
import pty
import select
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from proctoring.management.progress_output import ProgressLines
from proctoring.models import SyncRun
from proctoring.sync.progress import Tally
from tests.sync_support import ROOT, subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)

COMMAND = [sys.executable, str(ROOT / "manage.py"), "sync_autoproctor", "--results", "--evidence"]


@pytest.fixture
def slow_simulator(make_simulator):
    """Slow enough that a pass takes a few seconds, as a real account's first sync would."""
    return make_simulator(attempts=40, latency_ms=60)


def run_on_a_terminal(command, env) -> str:
    """Run `command` with a pseudo-terminal as its output; everything it wrote."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=terminal, stderr=terminal)
    os.close(terminal)
    written = bytearray()
    try:
        while True:
            ready, _, _ = select.select([controller], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            written += chunk
    finally:
        os.close(controller)
        process.wait(timeout=60)
    assert process.returncode == 0, written.decode(errors="replace")
    return written.decode(errors="replace")


def test_on_a_terminal_a_pass_draws_a_progress_bar_with_rate_and_time_left(slow_simulator):
    env = subprocess_env(slow_simulator, SYNC_EVIDENCE_WORKERS="2", COLUMNS="160")

    output = run_on_a_terminal(COMMAND, env)

    assert "\x1b[" in output  # redrawn in place
    assert "━" in output  # the bar
    assert "Evidence" in output and "/s" in output and "ETA" in output
    assert "of 40 attempts" not in output  # bars, not the plain lines
    assert "Results: succeeded - 40 created" in output  # the summary still follows


def test_piped_a_pass_writes_plain_progress_lines_every_few_seconds(slow_simulator):
    env = subprocess_env(
        slow_simulator, SYNC_EVIDENCE_WORKERS="1", SYNC_EVIDENCE_MAX_CONCURRENCY="1"
    )

    finished = subprocess.run(
        [*COMMAND, "--progress-every", "0.3"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert finished.returncode == 0, finished.stderr
    assert "\x1b[" not in finished.stdout
    lines = [line for line in finished.stdout.splitlines() if " attempts done, " in line]
    assert len(lines) >= 2, finished.stdout
    assert lines[0].startswith("Evidence: ") and " of " in lines[0]
    assert "attempts/s" in lines[-1] and " left" in lines[-1]
    assert "Evidence: succeeded - evidence fetched for" in finished.stdout


def test_a_progress_line_names_every_figure_of_an_evidence_pass():
    clock = [0.0]
    written = []
    lines = ProgressLines(written.append, every=10, clock=lambda: clock[0])
    run = SyncRun(kind=SyncRun.Kind.EVIDENCE, items_total=900, concurrency=8)
    tally = Tally(run)
    run.items_done, run.updated, run.failed = 120, 110, 3

    lines(run, tally)
    clock[0] = 10
    lines(run, tally)

    assert len(written) == 1  # one line per interval, however often it is told
    assert written[0].startswith("Evidence: 120 of 900 attempts done, 110 stored, 8 in flight, ")
    assert "3 failed" in written[0]


def test_a_progress_interval_of_zero_is_refused_with_the_fix():
    with pytest.raises(CommandError, match="--progress-every must be a number of seconds"):
        call_command("sync_autoproctor", "--progress-every", "0", stdout=StringIO())
