"""Helpers for the sync tests: a quick-retrying client for a simulator, and the comparison of
the whole database with the simulator's dataset.

The comparison reads the simulator's data exactly as the API sends it and maps it to our
columns here, independently of the client's parser, so a parsing or storing mistake shows up
as a difference.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from autoproctor import AutoProctorClient
from proctoring.models import Attempt, EvidenceRecord, SyncRun
from proctoring.sync import sync_results

ROOT = Path(__file__).resolve().parent.parent
ATTEMPT_COLUMNS = (
    "test_attempt_id",
    "lookup_key",
    "candidate_name",
    "candidate_email",
    "started_at",
    "submitted_at",
    "trust_score",
    "evidence_status",
    "device",
    "raw",
)
RECORD_COLUMNS = (
    "device",
    "position",
    "label",
    "is_violation",
    "occurred_at",
    "recorded_at",
    "s3_path",
    "data_type",
    "misc",
)


def client_for(sim, client_class=AutoProctorClient, **overrides) -> AutoProctorClient:
    """A client of this simulator on the simulator's clock, retrying quickly."""
    options = {
        "base_url": sim.base_url,
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
        "timeout": 2.0,
        "max_retries": 3,
        "backoff_base": 0.01,
        "backoff_cap": 0.05,
        "clock": sim.clock.now,
    }
    options.update(overrides)
    return client_class(**options)


def results_pages_read(sim) -> list[int]:
    """The results pages the simulator was asked for since its requests were last cleared."""
    return [
        int(request.query.get("page", "1"))
        for request in sim.requests
        if "/results/" in request.path
    ]


def synced_complete(sim) -> tuple[AutoProctorClient, SyncRun]:
    """A first (full) results pass with every processed attempt's evidence marked stored, as
    the evidence pass would leave it: the account's attempts are complete. The simulator's
    requests are cleared, so a test counts only what comes next."""
    client = client_for(sim)
    run = sync_results(client)
    assert run.mode == "full"
    Attempt.objects.filter(evidence_status="processed").update(evidence_fetched_at=timezone.now())
    sim.clear_requests()
    return client, run


def timestamp(text):
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def expected_attempt(obj: dict) -> dict:
    user = obj.get("user_details") or {}
    return {
        "test_attempt_id": obj["test_attempt_id"],
        "lookup_key": obj.get("lookup_key") or "",
        "candidate_name": user.get("name") or "",
        "candidate_email": user.get("email") or "",
        "started_at": timestamp(obj.get("started_at")),
        "submitted_at": timestamp(obj.get("submitted_at")),
        "trust_score": obj.get("trust_score"),
        "evidence_status": obj.get("evidence_status") or "",
        "device": obj.get("device") or "",
        "raw": obj,
    }


def expected_records(evidence_json: dict) -> list[dict]:
    records = []
    for device, key in (("primary", "primary_device_evidence"), ("aux", "aux_device_evidence")):
        for position, item in enumerate(evidence_json[key]):
            misc = item.get("misc_data") or {}
            records.append(
                {
                    "device": device,
                    "position": position,
                    "label": item["label"],
                    "is_violation": item["violation"],
                    "occurred_at": timestamp(item["occurred_at_ISO"]),
                    "recorded_at": timestamp(item["recorded_at_ISO"]),
                    "s3_path": item["evidence_url"],
                    "data_type": misc.get("data_type", "none"),
                    "misc": misc,
                }
            )
    return sorted(records, key=lambda record: (record["device"], record["position"]))


def stored_attempts() -> dict[str, dict]:
    return {
        row["test_attempt_id"]: row
        for row in Attempt.objects.values(
            *ATTEMPT_COLUMNS, "pk", "violation_count", "evidence_fetched_at", "sync_error"
        )
    }


def stored_records(attempt_pk: int) -> list[dict]:
    return list(
        EvidenceRecord.objects.filter(attempt_id=attempt_pk)
        .order_by("device", "position")
        .values(*RECORD_COLUMNS)
    )


def assert_attempts_match_simulator(sim) -> dict[str, dict]:
    """Every attempt of the simulator is stored with every field as the API sends it, and
    nothing else is stored. Returns the stored rows by attempt id."""
    wanted = sim.dataset.attempts
    stored = stored_attempts()
    assert sorted(stored) == sorted(wanted), "the stored attempts are not the simulator's"
    for attempt_id, obj in wanted.items():
        row = {column: stored[attempt_id][column] for column in ATTEMPT_COLUMNS}
        assert row == expected_attempt(obj), f"attempt {attempt_id!r} differs from the simulator's"
    return stored


def assert_matches_simulator(sim) -> None:
    """The attempts match (above), and every processed attempt has exactly its evidence
    records, its violation count and no error; no record is stored twice."""
    stored = assert_attempts_match_simulator(sim)
    for attempt_id, obj in sim.dataset.attempts.items():
        row = stored[attempt_id]
        if obj["evidence_status"] != "processed":
            continue
        records = expected_records(sim.dataset.evidence_json(attempt_id))
        assert stored_records(row["pk"]) == records, f"evidence of {attempt_id!r} differs"
        assert row["violation_count"] == sum(record["is_violation"] for record in records)
        assert row["evidence_fetched_at"] is not None and row["sync_error"] == ""
    duplicates = (
        EvidenceRecord.objects.values("attempt", "device", "position")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()


def snapshot() -> dict:
    """Every stored row of attempts and evidence, to show that a pass changed nothing."""
    return {
        "attempts": list(Attempt.objects.order_by("pk").values()),
        "records": list(EvidenceRecord.objects.order_by("pk").values()),
    }


def latest_run(kind: str) -> SyncRun:
    return SyncRun.objects.filter(kind=kind).latest()


def database_url() -> str:
    """The URL of the database the tests use, for a manage.py subprocess."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def subprocess_env(sim, **extra) -> dict[str, str]:
    """The environment of a manage.py subprocess using the test database and this simulator."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=database_url(),
        AUTOPROCTOR_BASE_URL=sim.base_url,
        AUTOPROCTOR_CLIENT_ID=sim.client_id,
        AUTOPROCTOR_CLIENT_SECRET=sim.client_secret,
        PYTHONUNBUFFERED="1",
    )
    env.update({name: str(value) for name, value in extra.items()})
    return env


def start_manage(*args: str, env: dict[str, str]) -> subprocess.Popen:
    """`manage.py <args>` in a process group of its own, output to a temporary file."""
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (read after the process ends)
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log = log
    return process


def output_of(process: subprocess.Popen) -> str:
    process.log.seek(0)
    return process.log.read()


def stop_process(process: subprocess.Popen, signum=signal.SIGTERM, grace: float = 10.0) -> None:
    """Send `signum` to the process (SIGKILL: to its whole group, as a crash would end it),
    give it `grace` seconds, then SIGKILL whatever is left of its process group."""
    with contextlib.suppress(ProcessLookupError):
        if signum == signal.SIGKILL:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def wait_until(condition, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
