"""The benchmark database: created and migrated by the run itself, emptied between benchmarks.

Only PostgreSQL: the figures are compared with what PostgreSQL itself does with the same rows
(COPY, the bare SQL), and the production setup for this many attempts is PostgreSQL.
"""

from __future__ import annotations

from contextlib import contextmanager

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

DATA_TABLES = [
    "proctoring_evidencerecord",
    "proctoring_attempt",
    "proctoring_syncrun",
    "proctoring_synclease",
    "proctoring_usagesnapshot",
    "proctoring_erasuretombstone",
    "retention_purgelogentry",
    "analytics_attemptminute",
    "analytics_violationminute",
    "analytics_attemptkey",
    "proctoring_attempttally",
    "proctoring_attemptday",
    "proctoring_violationtally",
]


def ensure_database() -> None:
    """Create the benchmark database when it does not exist yet (connecting to `postgres`)."""
    options = settings.DATABASES["default"]
    if options["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("The benchmarks run on PostgreSQL: set BENCH_DATABASE_URL=postgres://...")
    name = options["NAME"]
    params = {
        "host": options.get("HOST") or None,
        "port": options.get("PORT") or None,
        "user": options.get("USER") or None,
        "password": options.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
        "connect_timeout": 10,
    }
    with psycopg.connect(**{key: value for key, value in params.items() if value}) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            admin.execute(f'CREATE DATABASE "{name}"')


def migrate() -> None:
    call_command("migrate", verbosity=0, interactive=False)


def empty_tables() -> None:
    """Remove every synced row (users, groups and sessions stay) and restart the ids, with the
    planner statistics of empty tables, as a new installation has them (TRUNCATE keeps the
    statistics of the rows it removed, which would mislead the next benchmark's plans)."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE")
    analyze()


def analyze() -> None:
    """Fresh planner statistics, as autovacuum has them a minute or so after rows changed (the
    benchmarks do not rely on autovacuum, which may be off: see server_settings)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE proctoring_attempt")
        cursor.execute("ANALYZE proctoring_evidencerecord")


def vacuum() -> None:
    """VACUUM ANALYZE (outside a transaction): visibility map set, so index-only scans can skip
    the table, as they would on a database that autovacuum has looked after."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE proctoring_attempt")
        cursor.execute("VACUUM ANALYZE proctoring_evidencerecord")


@contextmanager
def bulk_load(tables: list[str]):
    """Load rows the way a database administrator would: the tables' indexes that back no
    constraint are dropped first and built again at the end (one sort each instead of a
    million insertions), and foreign-key triggers are off meanwhile (the rows are made
    consistent). Only for the benchmark data, which is not what is measured.

    Drop, load and rebuild are one transaction (PostgreSQL's DDL is transactional): a load
    killed or failing midway leaves the tables as they were, rows and indexes, so the next run
    measures the schema the migrations made, never a table that lost its indexes."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::text[]::regclass[]) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute("SET LOCAL session_replication_role = replica")
        yield
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)


def table_size(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", [table])
        return cursor.fetchone()[0]


def server_settings() -> dict[str, str]:
    """The settings that shape the plans and the write speed, for the report."""
    names = [
        "server_version",
        "shared_buffers",
        "work_mem",
        "synchronous_commit",
        "jit",
        "autovacuum",
    ]
    with connection.cursor() as cursor:
        values = {}
        for name in names:
            cursor.execute(f"SHOW {name}")
            values[name] = cursor.fetchone()[0]
        return values
