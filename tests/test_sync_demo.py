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
    started: set[int] = set()
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
        # The simulator, the worker (several processes, forked after it starts) and the web
        # server; on a busy machine the worker's processes may come a moment after the site.
        assert wait_until(
            lambda: len(started.update(process_tree(demo.pid)) or started) >= 4,
            timeout=30,
            interval=0.5,
        ), started
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
    assert alive(started | process_tree(demo.pid)) == set(), "a demo process survived"


def process_tree(root: int) -> set[int]:
    """`root` and every process descended from it, alive now. (Not found by their environment:
    the worker renames its processes with setproctitle, which overwrites what /proc shows of
    it; nor by session: the demo starts each child in a session of its own.)"""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if fields[0] != "Z":  # state; a zombie has finished
            parents[int(stat.parent.name)] = int(fields[1])
    tree, grew = {root} & parents.keys(), True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= children
        grew = bool(children)
    return tree


def alive(pids: set[int]) -> set[int]:
    """Those of `pids` that still run (not finished, not a zombie)."""
    running = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.add(pid)
    return running
