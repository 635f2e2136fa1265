"""When PostgreSQL stops answering, people see why, not a raw error: a page is a 503 in the
product's look saying the database is not answering, and answers again as soon as it is back;
`sync_autoproctor` stops with one line naming the cause, not a traceback per attempt, and says
that its run's closing record was skipped. The database is taken away for real: every
connection goes through a TCP proxy on loopback that the test stops (PostgreSQL only)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from django.db import close_old_connections, connection
from django.test import RequestFactory

from config.errors import server_error
from tests.fixtures.data import make_attempt
from tests.fixtures.personas import logged_in
from tests.support_tcp_proxy import TcpProxy
from tests.sync_support import ROOT, subprocess_env

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a database server to take away: PostgreSQL's"
    ),
]


@pytest.fixture
def proxied_database():
    """The test process's database connection, through a proxy the test can stop."""
    settings_dict = connection.settings_dict
    original = (settings_dict["HOST"], settings_dict["PORT"])
    proxy = TcpProxy(original[0] or "127.0.0.1", int(original[1] or 5432)).start()
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(proxy.port)
    yield proxy
    proxy.stop()
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = original


def test_a_page_is_a_503_in_the_products_look_until_the_database_is_back(
    proxied_database, test_admin
):
    make_attempt()
    client = logged_in(test_admin)
    client.raise_request_exception = False
    assert client.get("/attempts/").status_code == 200

    proxied_database.stop()
    down = client.get("/attempts/")

    assert down.status_code == 503
    assert down["Retry-After"] == "60"
    page = down.content.decode()
    assert "The database is not answering" in page
    assert "Try again in a minute" in page
    assert "/static/css/dashboard.css" in page and 'class="topbar"' in page

    proxied_database.start()  # back, on the same port
    # What Django does at the start of every request in production (the test client turns it
    # off): a connection that failed is dropped, so the next query connects afresh.
    close_old_connections()
    assert client.get("/attempts/").status_code == 200


def test_another_server_error_is_a_500_page_in_the_products_look():
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(RequestFactory().get("/attempts/"))

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "/static/css/dashboard.css" in page


def test_the_sync_command_names_the_cause_in_one_line_when_the_database_goes(
    make_simulator, proxied_database
):
    simulator = make_simulator(attempts=60, latency_ms=40)
    env = subprocess_env(simulator, SYNC_EVIDENCE_WORKERS="2")
    env["DATABASE_URL"] = env["DATABASE_URL"].replace(
        f"@{connection.settings_dict['HOST']}:{connection.settings_dict['PORT']}/",
        f"@127.0.0.1:{proxied_database.port}/",
    )
    assert f":{proxied_database.port}/" in env["DATABASE_URL"]

    def cut_when_the_evidence_pass_runs() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any("evidence" in request.target for request in list(simulator.requests)):
                proxied_database.stop()
                return
            time.sleep(0.05)

    cutter = threading.Thread(target=cut_when_the_evidence_pass_runs, daemon=True)
    cutter.start()
    finished = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "sync_autoproctor"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    cutter.join()

    assert finished.returncode == 1, finished.stdout + finished.stderr
    assert "Traceback" not in finished.stderr, finished.stderr[-3000:]
    error_lines = [line for line in finished.stderr.splitlines() if "CommandError" in line]
    assert len(error_lines) == 1, finished.stderr[-3000:]
    assert "The database is not answering" in error_lines[0]
    assert "closing record was skipped" in finished.stderr
