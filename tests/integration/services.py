"""The real services the deployment tests need: PostgreSQL, Redis, free ports, child processes.

A developer's machine may lack PostgreSQL or Redis, so those tests skip there and say why; in
CI (CI=true) a missing service is a failure, because the tests are the proof the stack works.
"""

import contextlib
import fnmatch
import os
import shutil
import signal
import socket
import subprocess
import sys
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
# The virtualenv's bin first, so `python` and `gunicorn` in the image's commands are ours.
BIN_PATH = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"


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


def dockerfile_stages() -> list[dict]:
    """The Dockerfile as stages: {"from": image, "name": alias, "instructions": [(op, args)]}."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    stages = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        op, _, args = line.partition(" ")
        op = op.upper()
        if op == "FROM":
            image, _, name = args.partition(" AS ")
            stages.append({"from": image.strip(), "name": name.strip(), "instructions": []})
        else:
            stages[-1]["instructions"].append((op, " ".join(args.split())))
    return stages


def build_image_layout(destination: Path) -> Path:
    """Lay out /app as the Dockerfile's final stage does, and run its collectstatic step.

    The files a `docker build` sees (the checkout minus .dockerignore's patterns), Chart.js where
    the build stage's COPY puts it, then the Dockerfile's own collectstatic command. Returns
    `destination`, ready to run the image's commands from.
    """
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()

    def ignored(path: str) -> bool:
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        for pattern in patterns:
            if any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes):
                return True
            if pattern.startswith("**/") and any(
                fnmatch.fnmatch(part, pattern.removeprefix("**/")) for part in parts
            ):
                return True
        return False

    for path in filter(None, listed.split("\0")):
        if not ignored(path) and (ROOT / path).is_file():
            (destination / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / path, destination / path)
    # COPY --from=assets /build/node_modules/chart.js/dist node_modules/chart.js/dist
    shutil.copytree(
        ROOT / "node_modules" / "chart.js" / "dist",
        destination / "node_modules" / "chart.js" / "dist",
    )
    *_, final = dockerfile_stages()
    (collect,) = [args for op, args in final["instructions"] if "collectstatic" in args]
    result = subprocess.run(
        ["sh", "-c", collect],
        cwd=destination,
        env={"PATH": BIN_PATH, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{collect} failed:\n{result.stdout}{result.stderr}"
    return destination


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
            requests.get(url, timeout=5, allow_redirects=False)
        except (requests.ConnectionError, requests.Timeout):  # not listening, or still loading
            return False
        return True

    wait_until(answers, timeout, f"{url} to answer")


class ProcessGroup:
    """Child processes, each in a process group of its own, all ended on `stop()`.

    A server such as gunicorn or qcluster forks workers; ending the group ends them all, so a
    failed test leaves nothing running.
    """

    def __init__(self, log_dir: Path, cwd: Path = ROOT):
        self.log_dir = log_dir
        self.cwd = cwd
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            args,
            cwd=self.cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log_file = log
        self.processes[name] = process
        return process

    def run(self, name: str, args: list[str], env: dict[str, str], timeout: float = 120) -> None:
        """Run a one-shot command (a migration, say) to the end; fail with its log if it fails."""
        process = self.start(name, args, env)
        try:
            process.wait(timeout=timeout)
        finally:
            _signal_group(process, signal.SIGKILL)
            process.wait()
            process.log_file.close()
            del self.processes[name]
        assert process.returncode == 0, f"{' '.join(args)} failed:\n{self.log(name)}"

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
