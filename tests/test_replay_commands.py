"""A recording replayed from the command line: `manage.py autoproctor_simulator --replay FILE`
serves its shapes, a file that is not a recording is refused before anything starts, and
`make demo REPLAY=FILE` runs the whole demo against the recorded dialect."""

import os
import signal
import subprocess
import sys

import pytest

from autoproctor.testing.fixtures import SignedCalls
from tests.sync_support import ROOT, wait_until
from tests.test_replay import record
from tests.test_simulator_command import read_settings, running_command  # noqa: F401
from tests.test_sync_demo import answers, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def recording(make_simulator, tmp_path) -> str:
    """A recording of an account that sends camelCase fields in one unpaged document."""
    path, _ = record(make_simulator, tmp_path, ("camel-case", "unpaged"))
    return path


def test_the_simulator_command_serves_a_recordings_shapes(running_command, recording):  # noqa: F811
    process = running_command("--port", "0", "--attempts", "150", "--replay", recording)
    printed = read_settings(process)
    calls = SignedCalls.to(
        printed["AUTOPROCTOR_BASE_URL"],
        printed["AUTOPROCTOR_CLIENT_ID"],
        printed["AUTOPROCTOR_CLIENT_SECRET"],
    )

    document = calls.results().json()

    assert "next" not in document and len(document["results"]) == 150
    assert "submittedAt" in document["results"][0]


def test_the_simulator_command_refuses_a_file_that_is_not_a_recording(
    running_command,  # noqa: F811
    tmp_path,
):
    path = tmp_path / "notes.json"
    path.write_text("[1, 2]")

    process = running_command("--port", "0", "--replay", str(path))
    _, error = process.communicate(timeout=60)

    assert process.returncode != 0
    assert f"{path} is not a shape recording" in error
    assert "autoproctor_doctor --record FILE" in error


def test_make_demo_passes_replay_on_to_the_demo():
    dry_run = subprocess.run(
        ["make", "-n", "demo", "REPLAY=var/customer.json"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )

    assert "scripts/demo.py --port 8000 --replay var/customer.json" in dry_run.stdout


def test_the_demo_runs_against_a_recording(recording, tmp_path):
    port = free_port()
    log = tmp_path / "demo.log"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    }
    command = [sys.executable, "scripts/demo.py", "--port", str(port), "--simulator-port", "0"]
    command += ["--attempts", "40", "--replay", recording]
    with log.open("w") as output:
        demo = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        site = f"http://127.0.0.1:{port}/"
        assert wait_until(lambda: answers(site), timeout=90, interval=0.5), log.read_text()
        text = log.read_text()
        assert f"Replaying the shapes recorded in {recording}" in text
        assert "Results: succeeded - 40 created" in text
        # The log-ins are written to a file the message names (the worker's log scrolls on),
        # among them a plain test admin and a second proctor.
        assert wait_until(lambda: "These log-ins are also in" in log.read_text(), timeout=10)
        logins = (ROOT / "var" / "demo-logins.txt").read_text()
        assert "user 'testadmin' password" in logins and "user 'proctor2' password" in logins
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=30)
    assert demo.returncode == 0


def test_the_demo_names_a_missing_recording():
    demo = subprocess.run(
        [sys.executable, "scripts/demo.py", "--replay", "no/such/recording.json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )

    assert demo.returncode == 2
    assert "no file no/such/recording.json" in demo.stderr


def test_the_demo_reads_its_ports_from_the_environment_and_names_a_bad_one():
    demo = subprocess.run(
        [sys.executable, "scripts/demo.py"],
        cwd=ROOT,
        env={**os.environ, "DEMO_PORT": "abc"},
        capture_output=True,
        text=True,
    )

    assert demo.returncode == 2
    assert "argument --port: invalid int value: 'abc'" in demo.stderr
