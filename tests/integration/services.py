"""The real services the deployment tests need: PostgreSQL, Redis, free ports, child processes.

A developer's machine may lack PostgreSQL or Redis, so those tests skip there and say why; in
CI (CI=true) a missing service is a failure, because the tests are the proof the stack works.
"""

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
import redis
import requests

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
# A database number of our own, so the tests never touch keys a developer's other work keeps.
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/13"


def _skip_or_fail(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI needs it.")
    pytest.skip(reason)


def redis_url_or_skip() -> str:
    url = os.environ.get("TEST_REDIS_URL", DEFAULT_TEST_REDIS_URL)
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        _skip_or_fail(f"Redis is not reachable at TEST_REDIS_URL={url}")
    finally:
        client.close()
    return url


def postgres_server_url_or_skip() -> str:
    """A PostgreSQL URL whose user may create databases: DATABASE_URL on the PostgreSQL pass."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error:
        _skip_or_fail(f"PostgreSQL is not reachable at TEST_DATABASE_URL={url}")
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], object], timeout: float, what: str, interval=0.25):
    """Poll `condition` until it returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}.")
        time.sleep(interval)


def wait_for_http(url: str, timeout: float, process: subprocess.Popen | None = None) -> None:
    def answers():
        if process is not None and process.poll() is not None:
            pytest.fail(f"{url} never answered: the server exited with code {process.returncode}.")
        try:
            requests.get(url, timeout=2, allow_redirects=False)
        except requests.ConnectionError:
            return False
        return True

    wait_until(answers, timeout, f"{url} to answer")


class ProcessGroup:
    """Child processes, each in a process group of its own, all ended on `stop()`.

    A server such as gunicorn or qcluster forks workers; ending the group ends them all, so a
    failed test leaves nothing running.
    """

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log_file = log
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    def stop(self, timeout: float = 10) -> None:
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            # Whatever is left of the group (a worker that outlived its parent) goes too.
            _signal_group(process, signal.SIGKILL)
            process.wait()
            process.log_file.close()
        self.processes.clear()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)
