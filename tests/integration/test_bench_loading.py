"""The benchmarks' bulk load cannot leak into the next run: killed midway (SIGKILL, in a real
process), it leaves the benchmark database with every index the migrations made and none of
its rows, and the next load runs on, and leaves, that same schema.

The load drops the tables' secondary indexes, writes the rows with COPY and builds the indexes
again, all in one transaction (benchmarks/database.py, bulk_load). The benchmark database here
is one of its own, named after the PostgreSQL pass's database (`<name>bench`), dropped after.
Like the stack, it runs on the PostgreSQL pass.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.integration.services import ROOT, postgres_server_url_or_skip, wait_until

pytestmark = pytest.mark.integration

TABLES = ["proctoring_attempt", "proctoring_evidencerecord"]
# Migrates the benchmark database, then grows it to argv[1] attempts, argv[2] per dataset,
# printing the attempts written after each dataset.
LOAD = """
import os, sys, time
os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
import django
django.setup()
from benchmarks import database, loading
database.ensure_database()
database.migrate()
print("migrated", flush=True)
loading.grow_to(
    int(sys.argv[1]),
    start_time=float(int(time.time())),
    dataset_size=int(sys.argv[2]),
    progress=lambda attempts: print(attempts, flush=True),
)
print("done", flush=True)
"""


@pytest.fixture
def bench_url():
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        pytest.skip("The benchmarks run on PostgreSQL; this runs on the PostgreSQL pass.")
    server_url = postgres_server_url_or_skip()
    name = urlsplit(server_url).path.lstrip("/") or "postgres"
    bench_name = f"{name}bench"
    url = urlunsplit(urlsplit(server_url)._replace(path=f"/{bench_name}"))
    drop = f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)'
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(drop)
    yield url
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(drop)


def start_load(bench_url: str, attempts: int, per_dataset: int) -> subprocess.Popen:
    env = {**os.environ, "BENCH_DATABASE_URL": bench_url, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", LOAD, str(attempts), str(per_dataset)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_line(process: subprocess.Popen) -> str:
    line = process.stdout.readline().strip()
    assert line, f"the load stopped early:\n{process.stderr.read()[-3000:]}"
    return line


def indexes(bench_url: str) -> dict[str, str]:
    with psycopg.connect(bench_url) as connection:
        rows = connection.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [TABLES]
        ).fetchall()
    return dict(rows)


def attempts(bench_url: str) -> int:
    with psycopg.connect(bench_url) as connection:
        return connection.execute("SELECT count(*) FROM proctoring_attempt").fetchone()[0]


def others_connected(bench_url: str) -> int:
    with psycopg.connect(bench_url) as connection:
        return connection.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]


def test_a_load_killed_midway_leaves_the_migrated_schema_for_the_next_run(bench_url):
    migrating = start_load(bench_url, 0, 1)
    assert migrating.communicate(timeout=300)[0].split() == ["migrated", "done"]
    migrated = indexes(bench_url)
    assert len(migrated) > 20  # the list's (column, id) indexes, the partial ones, the trigrams

    load = start_load(bench_url, 12_000, 1_000)
    try:
        assert read_line(load) == "migrated"
        assert read_line(load) == "1000"
        assert read_line(load) == "2000"  # midway: indexes dropped, two datasets written
        os.kill(load.pid, signal.SIGKILL)
    finally:
        load.kill()
        load.communicate()
    assert load.returncode == -signal.SIGKILL
    # The server rolls the killed load's transaction back once it sees the connection gone.
    wait_until(lambda: others_connected(bench_url) == 0, 60, "the killed load's session to end")

    assert indexes(bench_url) == migrated
    assert attempts(bench_url) == 0

    again = start_load(bench_url, 3_000, 1_000)
    assert again.communicate(timeout=300)[0].split()[-2:] == ["3000", "done"], again.stderr
    assert indexes(bench_url) == migrated
    assert attempts(bench_url) == 3_000
