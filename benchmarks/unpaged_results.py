"""`python -m benchmarks.unpaged_results [--mb 500] [--store]`: peak memory of reading one
unpaged results answer of that size through AutoProctorClient.iter_result_pages (ijson, batches
of 1,000).

A loopback server (a thread of this process) writes a generated answer of the requested size
without holding it; the client runs in a child process, which reports the attempts read, the
seconds and its own peak RSS (VmHWM). Without --store the answer is only read. With --store the
child runs the results pass itself (`sync_results`, a first pass: a full sweep) into the
benchmark database (BENCH_DATABASE_URL, emptied before and after), so the peak includes what
the pass keeps for the whole answer, not only one batch's rows.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HEAD = b'{"status":"success","results":['
TAIL = b"]}"


def attempt(number: int) -> bytes:
    return json.dumps(
        {
            "test_attempt_id": f"ATT-{number:09d}",
            "lookup_key": "final-exam-2026",
            "user_details": {"name": "Candidate Name", "email": f"c{number:09d}@example.org"},
            "started_at": "2026-11-01T09:00:00Z",
            "submitted_at": "2026-11-01T10:00:00Z",
            "trust_score": 0.87,
            "evidence_status": "processed",
            "device": "desktop",
        },
        separators=(",", ":"),
    ).encode()


def serve(count: int) -> ThreadingHTTPServer:
    item_size = len(attempt(0)) + 1  # each item and its comma
    length = len(HEAD) + count * item_size - 1 + len(TAIL)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the base class's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.write(HEAD)
            chunk = []
            for number in range(count):
                chunk.append(attempt(number))
                if len(chunk) == 1000 or number == count - 1:
                    self.wfile.write(b",".join(chunk) + (b"," if number < count - 1 else b""))
                    chunk = []
            self.wfile.write(TAIL)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


CHILD = """
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
import django; django.setup()
from autoproctor import AutoProctorClient
from benchmarks.measure import peak_rss_mb
client = AutoProctorClient(base_url=sys.argv[1], client_id="bench", client_secret="bench")
started, count = time.monotonic(), 0
for page in client.iter_result_pages():
    count += len(page.attempts)
print(count, round(time.monotonic() - started, 1), round(peak_rss_mb(), 1))
"""

STORING_CHILD = """
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
import django; django.setup()
from autoproctor import AutoProctorClient
from proctoring.sync import sync_results
from benchmarks import database
from benchmarks.measure import peak_rss_mb
database.ensure_database()
database.migrate()
database.empty_tables()
client = AutoProctorClient(base_url=sys.argv[1], client_id="bench", client_secret="bench")
started = time.monotonic()
run = sync_results(client)
seconds = round(time.monotonic() - started, 1)
assert run.status == "succeeded", run.error_summary
database.empty_tables()
print(run.created + run.updated + run.unchanged, seconds, round(peak_rss_mb(), 1))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=500.0, help="Size of the answer in MB.")
    parser.add_argument(
        "--store", action="store_true", help="Run the results pass, storing every attempt."
    )
    options = parser.parse_args()
    count = int(options.mb * 1_000_000 / (len(attempt(0)) + 1))
    server = serve(count)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    output = subprocess.run(
        [sys.executable, "-c", STORING_CHILD if options.store else CHILD, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    read, seconds, peak = output[-3:]
    print(
        f"{options.mb:.0f} MB unpaged answer: {int(read):,} attempts "
        f"{'stored' if options.store else 'read'} in {seconds} s, peak RSS {peak} MB"
    )
    server.shutdown()


if __name__ == "__main__":
    main()
