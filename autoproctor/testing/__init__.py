"""A simulator of AutoProctor's API: a real HTTP server on a loopback port that implements the
whole contract of docs/autoproctor-api.md, with deterministic synthetic data, for the demo, the
tests and the benchmarks.

    sim = Simulator(attempts=500, seed=1, host="127.0.0.1", port=0)   # port 0: a free port
    sim.start(); ...; sim.stop()             # or: with Simulator(...) as sim:
    sim.base_url, sim.client_id, sim.client_secret
    sim.clock.now() / sim.clock.advance(seconds)
    sim.dataset.attempts                     # {test_attempt_id: attempt as the API sends it now}
    sim.dataset.evidence_json(test_attempt_id)
    sim.dataset.listing(lookup_key=None)     # ids in listing order, newest first
    sim.dataset.get(test_attempt_id), .evidence_paths(test_attempt_id), .usage()
    sim.inject(kind, path_contains="", times=1, **params)  -> Fault   (see faults.py)
    sim.clear_faults()
    sim.set_clock_skew(seconds)
    sim.requests                             # [RecordedRequest(method, path, query, headers,
                                             #   body, status, target, at, peer)]
    sim.clear_requests()

Constructor options beyond the documented ones, all keyword-only: `client_id`, `client_secret`
(default: derived from the seed, see `default_credentials`), `start_time` (the clock's start, in
UNIX seconds; default now — pass a fixed value for timestamps identical across runs, and give
clients `sim.clock.now` as their clock), `freeze_clock` (the clock moves only by `advance()`;
the test fixtures set it), `presign_path` and `usage_headers` (as the settings of
the same names), `fault_rate` with `fault_kinds` (background faults, off by default),
`public_url` (the base URL to print when clients reach it under another name),
`max_recorded` (requests kept in `sim.requests`, 10,000 by default; None keeps all) and
`dialects` (names from `DIALECTS`: ways a real account may differ from the contract, e.g.
`{"unpaged", "ascending"}`; see dialects.py) or `replay` (a shape recording made by
`autoproctor_doctor --record`, its path or its dict: the recorded account's shapes, replay.py).

The clock. `sim.clock` is real time (or frozen) plus whatever `advance()` added. It drives the data
timeline, the lifetime of temporary URLs and the signature window; `set_clock_skew()` moves only
the signature window and the `Date` header, as a client whose clock is wrong would see it.

The data (dataset.py, evidence.py). `random.Random(seed)` only, so the same seed and start time
give the same data. Attempts are newest first, over the 30 days before the start. The first
twelve are fixed cases: two in progress (submitted about 50 and 40 minutes after the start),
two whose evidence turns "processed" 75 s and 150 s after the start, ids that need
percent-encoding (`/`, `+`, space, `#`, `?`, `&`, `%20`, Chinese), an attempt with more
violations than its 30 kept files, an unknown label, an enhanced-features attempt (its
`features` field is not in the documented object) with aux-device evidence, one with no
user_details, device or lookup_key, and a clean score of 1.0. The rest are random.
`dataset.update(test_attempt_id, **fields)` and `dataset.add_attempts(count, **fields)` change
the data while it runs (e.g. a new attempt for an incremental sync).

The endpoints (api.py) and their choices where the contract leaves room are described in
api.py; the temporary URLs (evidence JSON: 5 minutes, presigned files: 15 minutes, S3-style
query parameters, XML refusals) in bucket.py; the files (PNG, WAV) in media.py.

Run it on its own with `python manage.py autoproctor_simulator --port 8001 --attempts 500
--seed 1`; tests use the `simulator` and `make_simulator` fixtures (the pytest plugin fixtures.py).
"""

from autoproctor.testing.dialects import DIALECTS
from autoproctor.testing.faults import KINDS as FAULT_KINDS
from autoproctor.testing.faults import Fault
from autoproctor.testing.recording import RecordedRequest
from autoproctor.testing.server import (
    DEFAULT_PRESIGN_PATH,
    DEFAULT_USAGE_HEADERS,
    Simulator,
    default_credentials,
)

__all__ = [
    "DIALECTS",
    "DEFAULT_PRESIGN_PATH",
    "DEFAULT_USAGE_HEADERS",
    "FAULT_KINDS",
    "Fault",
    "RecordedRequest",
    "Simulator",
    "default_credentials",
]
