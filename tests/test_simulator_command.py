"""`manage.py autoproctor_simulator` runs the simulator standalone and tells how to reach it."""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from autoproctor.testing import default_credentials
from autoproctor.testing.fixtures import SignedCalls

ROOT = Path(__file__).resolve().parent.parent
SETTING_NAMES = ("AUTOPROCTOR_BASE_URL", "AUTOPROCTOR_CLIENT_ID", "AUTOPROCTOR_CLIENT_SECRET")


def as_from_a_terminal() -> None:
    """Ctrl-C's signal with its default meaning in the command, as a terminal starts it: a
    shell running this suite in the background (`make test &`) leaves SIGINT ignored, and an
    ignored SIGINT stays ignored in every process started below it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_command(*arguments) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "autoproctor_simulator", *arguments],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=as_from_a_terminal,
    )


def read_settings(process: subprocess.Popen, timeout: float = 30) -> dict:
    """The NAME=value lines the command prints before "Press Ctrl-C"."""
    printed: dict = {}

    def read():
        for line in process.stdout:
            name, equals, value = line.strip().partition("=")
            if equals and name in SETTING_NAMES:
                printed[name] = value
            if line.startswith("Press Ctrl-C"):
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    return printed


@pytest.fixture
def running_command():
    processes = []

    def run(*arguments):
        process = start_command(*arguments)
        processes.append(process)
        return process

    yield run
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_the_command_prints_its_settings_serves_signed_requests_and_stops_cleanly(
    running_command,
):
    process = running_command("--port", "0", "--attempts", "40", "--seed", "3")

    printed = read_settings(process)

    assert set(printed) == set(SETTING_NAMES)
    assert printed["AUTOPROCTOR_BASE_URL"].startswith("http://127.0.0.1:")
    assert (printed["AUTOPROCTOR_CLIENT_ID"], printed["AUTOPROCTOR_CLIENT_SECRET"]) == (
        default_credentials(3)
    )
    calls = SignedCalls.to(
        printed["AUTOPROCTOR_BASE_URL"],
        printed["AUTOPROCTOR_CLIENT_ID"],
        printed["AUTOPROCTOR_CLIENT_SECRET"],
    )
    page = calls.results()
    assert page.status_code == 200
    assert page.json()["count"] == 40

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0
    assert "Simulator stopped." in process.stdout.read()


def test_the_command_accepts_given_credentials_and_stops_on_sigterm(running_command):
    process = running_command(
        "--port", "0", "--attempts", "5", "--client-id", "acme", "--client-secret", "s3cret"
    )

    printed = read_settings(process)
    process.terminate()

    assert printed["AUTOPROCTOR_CLIENT_ID"] == "acme"
    assert printed["AUTOPROCTOR_CLIENT_SECRET"] == "s3cret"
    assert process.wait(timeout=10) == 0


def test_the_command_explains_a_port_that_is_taken(running_command, simulator):
    process = running_command("--port", str(simulator.port))

    _, errors = process.communicate(timeout=30)

    assert process.returncode != 0
    assert f"Cannot listen on 127.0.0.1:{simulator.port}" in errors
    assert "--port" in errors


def test_the_command_speaks_the_dialects_it_is_given(running_command):
    process = running_command(
        "--port", "0", "--attempts", "150", "--dialect", "unpaged", "--dialect", "ascending"
    )
    printed = read_settings(process)
    calls = SignedCalls.to(
        printed["AUTOPROCTOR_BASE_URL"],
        printed["AUTOPROCTOR_CLIENT_ID"],
        printed["AUTOPROCTOR_CLIENT_SECRET"],
    )

    listed = calls.results().json()["results"]

    assert len(listed) == 150
    assert listed[0]["started_at"] < listed[-1]["started_at"]
