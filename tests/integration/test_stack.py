"""The production stack, started here without Docker: what docker-compose.yml runs, for real.

One PostgreSQL database made for this module, a Redis namespace of its own, the AutoProctor
simulator on a loopback port, the compose file's migrate step, gunicorn, and two qcluster
processes sharing one queue, as `docker compose up --scale worker=2` would. The tests then
check that each scheduled sync runs once per due time however many workers there are, that the
data equals the simulator's, and that a test admin gets the pages and the CSV over HTTP.

It runs on the PostgreSQL pass of `make test` (the stack is PostgreSQL and Redis whatever the
suite's own database is, so the SQLite pass skips it rather than run it twice); it takes about a
minute, most of it waiting for django-q's scheduler, which looks for due schedules every 30 s.
"""

import base64
import csv
import io
import json
import os
import pickle
import re
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis
import requests
import yaml

from autoproctor.testing import Simulator
from tests.integration.services import (
    BIN_PATH,
    ROOT,
    ProcessGroup,
    build_image_layout,
    free_port,
    postgres_server_url_or_skip,
    redis_url_or_skip,
    wait_for_http,
    wait_until,
)

pytestmark = pytest.mark.integration

ATTEMPTS = 30
ADMIN_USERNAME = "stack-admin"
ADMIN_PASSWORD = "a long stack test password"  # noqa: S105
RESULTS_TASK = "proctoring.tasks.sync_results_task"
USAGE_TASK = "proctoring.tasks.sync_usage_task"


def compose_commands() -> dict[str, list[list[str]]]:
    """The commands docker-compose.yml gives each service, as local argument lists."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    local = {"python": sys.executable, "gunicorn": str(Path(sys.executable).parent / "gunicorn")}
    commands = {}
    for name in ("migrate", "web", "worker"):
        command = services[name]["command"]
        steps = (
            [step.split() for step in command[2].split("&&")]
            if command[:2] == ["sh", "-c"]
            else [command]
        )
        commands[name] = [[local.get(args[0], args[0]), *args[1:]] for args in steps]
    return commands


class Stack:
    def __init__(self, database_url, redis_url, queue_name, simulator, web_port, processes, env):
        self.database_url = database_url
        self.results_first_due = self.schedule_next_run(RESULTS_TASK)
        self.redis_url = redis_url
        self.queue_name = queue_name
        self.simulator = simulator
        self.web_port = web_port
        self.base_url = f"http://127.0.0.1:{web_port}"
        self.processes = processes
        self.env = env
        self.app_dir = processes.cwd

    def query(self, sql: str, *params):
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            return connection.execute(sql, params).fetchall()

    def schedule_next_run(self, func: str):
        ((next_run,),) = self.query("SELECT next_run FROM django_q_schedule WHERE func = %s", func)
        return next_run

    def lock_waiters(self) -> int:
        """Sessions on this database waiting for a lock on the schedules (the schedulers)."""
        ((count,),) = self.query(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND query LIKE '%%django_q_schedule%%'"
        )
        return count

    def tasks(self, func: str):
        return self.query(
            "SELECT success, started, result FROM django_q_task WHERE func = %s ORDER BY started",
            func,
        )


def _sqlite_pass() -> bool:
    return not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if _sqlite_pass():
        pytest.skip("The stack runs on PostgreSQL and Redis; it runs on the PostgreSQL pass.")
    server_url = postgres_server_url_or_skip()
    redis_url = redis_url_or_skip()
    run_id = uuid.uuid4().hex[:10]
    database_name = f"stack_test_{run_id}"
    queue_name = f"stack-test-{run_id}"
    log_dir = tmp_path_factory.mktemp("stack")
    # The stack runs from the image's file layout, its static files collected as at build.
    app_dir = build_image_layout(tmp_path_factory.mktemp("app"))
    processes = ProcessGroup(log_dir, cwd=app_dir)
    simulator = Simulator(attempts=ATTEMPTS, seed=7).start()
    # Past the moments its fixed cases change (evidence becoming ready 75 s and 150 s after the
    # start), so its data hold still while the test runs; signatures keep to the real time.
    simulator.clock.advance(200)
    simulator.set_clock_skew(-200)
    database_url = urlunsplit(urlsplit(server_url)._replace(path=f"/{database_name}"))
    (log_dir / "django_secret_key").write_text("stack-test-" + uuid.uuid4().hex * 2)
    (log_dir / "client_secret").write_text(simulator.client_secret)
    web_port = free_port()
    env = {
        "PATH": BIN_PATH,
        "HOME": str(log_dir),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # What docker-compose.yml and .env.example set, pointed at this machine's services.
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "Q_NAME": queue_name,
        "Q_WORKERS": "1",
        "DJANGO_SECRET_KEY_FILE": str(log_dir / "django_secret_key"),
        "AUTOPROCTOR_CLIENT_SECRET_FILE": str(log_dir / "client_secret"),
        "AUTOPROCTOR_CLIENT_ID": simulator.client_id,
        "AUTOPROCTOR_BASE_URL": simulator.base_url,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{web_port}",
        "SYNC_RESULTS_EVERY_MINUTES": "1",
        # The test plays the TLS proxy over plain HTTP, and requests only sends a Secure cookie
        # over https: the one production default this stack leaves off.
        "DJANGO_SECURE_COOKIES": "false",
    }
    commands = compose_commands()
    try:
        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{database_name}"')
        for number, step in enumerate(commands["migrate"]):
            processes.run(f"migrate-{number}", step, env)
        create_user = (
            "from django.contrib.auth.models import User; "
            f"User.objects.create_user({ADMIN_USERNAME!r}, password={ADMIN_PASSWORD!r})"
        )
        manage = [sys.executable, "manage.py"]
        processes.run("create-user", [*manage, "shell", "-c", create_user], env)
        processes.run("grant-role", [*manage, "grant_role", ADMIN_USERNAME, "Test admin"], env)
        stack = Stack(database_url, redis_url, queue_name, simulator, web_port, processes, env)
        (web,) = commands["web"]
        web = [re.sub(r"^--bind=.*", f"--bind=127.0.0.1:{web_port}", arg) for arg in web]
        gunicorn = processes.start("web", web, env)
        (worker,) = commands["worker"]
        processes.start("worker-1", worker, env)
        processes.start("worker-2", worker, env)
        wait_for_http(f"http://127.0.0.1:{web_port}/healthz", timeout=30, process=gunicorn)
        yield stack
    finally:
        processes.stop()
        simulator.stop()
        _forget_queue(redis_url, queue_name)
        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')


def _forget_queue(redis_url: str, queue_name: str) -> None:
    """Remove the queue and the cluster status keys this run left in Redis."""
    client = redis.Redis.from_url(redis_url)
    keys = [queue_name, *client.scan_iter(match=f"django_q:{queue_name}:*")]
    client.delete(*keys)
    client.close()


def _succeeded(stack: Stack, func: str, count: int):
    """Whether `count` runs of `func` have finished; a failed run fails the test with its error."""
    tasks = stack.tasks(func)
    for success, _, result in tasks:
        # django-q keeps a task's result (for a failure: the traceback) pickled, in base64.
        assert success, f"{func} failed:\n{pickle.loads(base64.b64decode(result))}"  # noqa: S301
    return len(tasks) >= count


# --- the tests ----------------------------------------------------------------------------


def _make_both_clusters_reach_the_due_schedule_together(stack: Stack) -> None:
    """Hold the schedule's row until both clusters' schedulers wait for it, then let go.

    Each cluster looks for due schedules every 30 s, at moments of its own: left alone, the two
    rarely look within the same few milliseconds. Holding the row makes them, so each due time
    is a real race between two workers, as it eventually is in production.
    """
    with psycopg.connect(stack.database_url) as holder:  # one transaction, committed on exit
        holder.execute(
            "SELECT id FROM django_q_schedule WHERE func = %s FOR UPDATE", (RESULTS_TASK,)
        )
        wait_until(
            lambda: stack.lock_waiters() >= 2,
            timeout=45,
            what="both clusters' schedulers to reach the due schedule",
        )


def test_each_due_sync_runs_once_although_two_worker_clusters_race_for_it(stack):
    first_due = stack.results_first_due
    # The results schedule is due when created and every minute after; the usage one hourly.
    for due in (first_due, first_due + timedelta(minutes=1)):
        _make_both_clusters_reach_the_due_schedule_together(stack)
        wait_until(
            lambda due=due: (
                stack.schedule_next_run(RESULTS_TASK) > due and stack.lock_waiters() == 0
            ),
            timeout=15,
            what="both schedulers to finish with the due schedule",
        )
    wait_until(lambda: _succeeded(stack, RESULTS_TASK, 2), timeout=30, what="two results syncs")

    assert len(stack.tasks(RESULTS_TASK)) == 2
    assert len(stack.tasks(USAGE_TASK)) == 1
    assert stack.schedule_next_run(RESULTS_TASK) == first_due + timedelta(minutes=2)
    # Both clusters were up and sharing the queue.
    clusters = redis.Redis.from_url(stack.redis_url).keys(f"django_q:{stack.queue_name}:cluster:*")
    assert len(clusters) == 2


def test_the_synced_attempts_equal_the_simulators_with_no_duplicates(stack):
    wait_until(lambda: _succeeded(stack, RESULTS_TASK, 1), timeout=60, what="a results sync")
    rows = stack.query("SELECT test_attempt_id, raw FROM proctoring_attempt")

    stored = {test_attempt_id: raw for test_attempt_id, raw in rows}
    assert len(rows) == len(stored) == ATTEMPTS
    assert stored == stack.simulator.dataset.attempts


def test_a_test_admin_logs_in_and_gets_the_pages_and_the_csv_from_gunicorn(stack):
    wait_until(lambda: _succeeded(stack, RESULTS_TASK, 1), timeout=60, what="a results sync")
    session = requests.Session()
    # As the TLS proxy does: the request came in over HTTPS.
    session.headers["X-Forwarded-Proto"] = "https"
    login_url = f"{stack.base_url}/accounts/login/"
    form = session.get(login_url, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    logged_in = session.post(
        login_url,
        data={"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"https://127.0.0.1:{stack.web_port}/accounts/login/"},
        timeout=10,
        allow_redirects=False,
    )
    assert logged_in.status_code == 302, logged_in.text[:500]

    overview = session.get(f"{stack.base_url}/", timeout=10)
    attempts = session.get(f"{stack.base_url}/attempts/", timeout=10)
    export = session.get(f"{stack.base_url}/attempts/export.csv", timeout=30)

    assert overview.status_code == 200
    assert attempts.status_code == 200
    names = [
        attempt["user_details"]["name"]
        for attempt in stack.simulator.dataset.attempts.values()
        if attempt.get("user_details")
    ]
    assert any(name in attempts.text for name in names)
    assert export.status_code == 200
    assert export.headers["Content-Type"].startswith("text/csv")
    exported = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(exported) == 1 + ATTEMPTS
    # Static files come from gunicorn too (whitenoise), Chart.js included.
    chart_js = session.get(f"{stack.base_url}/static/vendor/chart.js/chart.umd.min.js", timeout=10)
    assert chart_js.status_code == 200


def test_plain_http_is_sent_to_https_except_the_health_check(stack):
    page = requests.get(f"{stack.base_url}/attempts/", timeout=10, allow_redirects=False)
    health = requests.get(f"{stack.base_url}/healthz", timeout=10, allow_redirects=False)

    assert page.status_code == 301
    assert page.headers["Location"].startswith("https://")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_the_container_health_checks_pass_on_the_running_stack(stack):
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for service, extra in (("web", ["--port", str(stack.web_port)]), ("worker", [])):
        command = compose[service]["healthcheck"]["test"][1:]
        args = [sys.executable if command[0] == "python" else command[0], *command[1:], *extra]
        result = subprocess.run(
            args, cwd=stack.app_dir, env=stack.env, capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith("healthy")


def test_every_line_the_web_server_and_the_workers_log_is_json(stack):
    for name in ("web", "worker-1", "worker-2"):
        lines = [line for line in stack.processes.log(name).splitlines() if line.strip()]
        assert lines, f"{name} logged nothing"
        for line in lines:
            entry = json.loads(line)
            assert {"time", "level", "logger", "message"} <= set(entry)
