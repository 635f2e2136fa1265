"""The CSV export of every attempt, measured in a child process (so its peak memory is the
export's own), against PostgreSQL's COPY of the same SELECT to CSV.

The child logs in as a test admin, GETs /attempts/export.csv through the test client, reads
the streamed response to the end and reports rows, bytes, seconds, its peak RSS (VmHWM) and
the SELECT the export ran. Run as `python -m benchmarks.export [query string]`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass

from django.db import connection

# The export reads through a server-side cursor: its SELECT is logged inside a DECLARE.
DECLARE = re.compile(r"^DECLARE .+? CURSOR WITH(?:OUT)? HOLD FOR ", re.DOTALL)


@dataclass
class ExportFigures:
    rows: int
    bytes: int
    seconds: float
    peak_rss_mb: float
    rss_before_mb: float
    select: str

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def run_export(query: str = "") -> ExportFigures:
    """One export in a fresh child process."""
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.export", query],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.settings"},
    )
    return ExportFigures(**json.loads(output.stdout.strip().splitlines()[-1]))


def copy_reference(select: str) -> tuple[int, int, float]:
    """(rows, bytes, seconds) of COPY (select) TO STDOUT WITH CSV HEADER, read to the end."""
    rows = size = 0
    started = time.perf_counter()
    statement = f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for block in copy:
            size += len(block)
            rows += bytes(block).count(b"\n")
    return rows - 1, size, time.perf_counter() - started


def _export_in_this_process(query: str) -> dict:
    import django

    django.setup()

    from benchmarks.measure import peak_rss_mb
    from benchmarks.pages import admin_client

    client = admin_client()
    rss_before = peak_rss_mb()
    lines = size = 0
    started = time.perf_counter()
    response = client.get(f"/attempts/export.csv?{query}")
    if response.status_code != 200:
        raise SystemExit(f"The export answered {response.status_code}")
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    response.close()
    seconds = time.perf_counter() - started
    return {
        "rows": lines - 1,
        "bytes": size,
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_mb": rss_before,
        "select": python_path_select(query),
    }


def python_path_select(query: str) -> str:
    """The SELECT the Python path reads its rows with (the COPY path's query is its own),
    taken from its first chunk: the reference COPY copies it out as plain CSV."""
    from django.contrib.auth import get_user_model
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    from dashboard import selectors
    from dashboard.export import csv_lines
    from dashboard.filters import AttemptFilter
    from dashboard.sorting import Sort

    params = QueryDict(query)
    everyone = get_user_model()(username="benchmark", is_superuser=True, is_active=True)
    attempts = AttemptFilter(params, queryset=selectors.attempt_list(everyone)).qs
    sort = Sort.from_param(params.get("o"))
    lines = csv_lines(sort.annotate(attempts).order_by(*sort.order_by()))
    with CaptureQueriesContext(connection) as captured:
        next(lines), next(lines)
    lines.close()
    reads = [q["sql"] for q in captured.captured_queries if 'FROM "proctoring_attempt"' in q["sql"]]
    return DECLARE.sub("", max(reads, key=len)) if reads else ""


if __name__ == "__main__":
    print(json.dumps(_export_in_this_process(sys.argv[1] if len(sys.argv) > 1 else "")))
