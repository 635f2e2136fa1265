"""`make demo` (scripts/demo.py): simulator, worker and web server start together with data
already synced, and Ctrl-C stops every one of them."""

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.sync_support import ROOT, wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> bool:
    try:
        requests.get(url, timeout=1, allow_redirects=False)
    except requests.ConnectionError:
        return False
    return True


def test_the_demo_starts_everything_with_data_and_ctrl_c_stops_it_all(tmp_path):
    port = free_port()
    log = tmp_path / "demo.log"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    }
    with log.open("w") as output:
        demo = subprocess.Popen(
            [
                sys.executable,
                "scripts/demo.py",
                "--port",
                str(port),
                "--simulator-port",
                "0",
                "--attempts",
                "40",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        site = f"http://127.0.0.1:{port}/"
        assert wait_until(lambda: answers(site), timeout=90, interval=0.5), log.read_text()
        text = log.read_text()
        simulator_url = text.split("Simulator running at ")[1].split()[0]
        assert "Results: succeeded - 40 created" in text
        assert "user 'admin' password '" in text and "user 'proctor' password '" in text
        assert requests.get(site, timeout=5, allow_redirects=False).status_code == 302  # login
        assert answers(simulator_url)
        # The simulator, the worker (several processes) and the web server.
        started = descendants_of(demo.pid)
        assert len(started) >= 4
    finally:
        demo.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal sends
        try:
            demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            demo.kill()
            raise

    assert demo.returncode == 0
    time.sleep(0.5)
    assert not answers(site), "the web server is still running"
    assert not answers(simulator_url), "the simulator is still running"
    assert "== Stopped." in log.read_text()
    survivors = [pid for pid in started if Path(f"/proc/{pid}").exists()]
    assert survivors == [], "a demo process (the worker?) survived"


def descendants_of(root: int) -> list[int]:
    """The processes `root` started, and theirs, read from /proc/<pid>/stat.

    Not from the environment: the worker renames its processes with setproctitle when that is
    installed, which overwrites the environment /proc shows."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        parents[int(stat.parent.name)] = int(fields[1])  # after "pid (comm)": state, ppid
    found, frontier = [], {root}
    while frontier:
        children = {pid for pid, parent in parents.items() if parent in frontier}
        found.extend(sorted(children))
        frontier = children
    return found
