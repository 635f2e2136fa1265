"""The evidence pass: fetch and store the evidence of every processed attempt that lacks it.

Per attempt, four calls: the one-attempt report (confirms status and score), the evidence-file
URL, the evidence JSON, then one transaction that replaces the attempt's records. Many attempts
are in flight at once, as many as AutoProctor takes (concurrency.py), each on its own:

- it is *claimed* first with a conditional UPDATE on evidence_claimed_until (claims.py), so
  two passes (a slow run and the next schedule, or two machines) never work on the same
  attempt; the pass's heartbeat keeps its claims, and a claim left by a killed worker expires
  after SYNC_LEASE_SECONDS;
- the store is guarded by the claim too: if the results pass voided the claim meanwhile
  (the attempt changed), the stale evidence is dropped instead of stored;
- a failure is recorded on the attempt (sync_error, sync_error_at, sync_error_count) and the
  attempt stays in the queue for the next pass; the other attempts carry on;
- evidence that is malformed or incomplete stores nothing: the previous records stay as they were.

Bad credentials, a skewed clock or a missing configuration are not the attempt's fault: the
pass stops at once and leaves every attempt as it was.
"""

from __future__ import annotations

import enum
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from autoproctor import (
    AutoProctorError,
    BadCredentials,
    ClockSkew,
    EvidenceUrlExpired,
    NotConfigured,
    NotFound,
    NotReady,
)
from proctoring import signals
from proctoring.models import Attempt, EvidenceRecord, EvidenceStatus, SyncRun
from proctoring.sync import bulk, progress, runs
from proctoring.sync.api import api_client
from proctoring.sync.candidates import awaiting_evidence, next_recheck
from proctoring.sync.claims import ClaimBook
from proctoring.sync.concurrency import AdaptiveLimit, run_adaptive
from proctoring.sync.drift import label_warnings
from proctoring.sync.leases import Heartbeat

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from autoproctor import (
        AttemptData,
        AutoProctorClient,
        EvidenceBundle,
        EvidenceRecordData,
    )

logger = logging.getLogger("proctoring.sync")

# Errors about the account or this server rather than one attempt: they stop the pass.
FATAL_ERRORS = (BadCredentials, ClockSkew, NotConfigured)
MAX_ERROR_LENGTH = 2000


class IncompleteEvidence(Exception):
    """The evidence JSON parsed, but some records could not be read: storing the rest would
    lose evidence, so nothing is stored."""


class Outcome(enum.Enum):
    STORED = "stored"
    NOT_READY = "not ready"  # still processing: left for the next pass
    SKIPPED = "skipped"  # another worker has it, or it changed meanwhile
    FAILED = "failed"  # error recorded on the attempt
    STOPPED = "stopped"  # the pass stopped before reaching it


@dataclass
class AttemptResult:
    test_attempt_id: str
    outcome: Outcome
    message: str = ""
    fatal: BaseException | None = field(default=None, repr=False)


def pending_attempts() -> QuerySet[Attempt]:
    """Attempts whose evidence is not stored and may be ready (candidates.py), unclaimed or
    with an expired claim. Failing attempts go last, newest submissions first."""
    now = timezone.now()
    return (
        Attempt.objects.filter(awaiting_evidence(now))
        .filter(Q(evidence_claimed_until__isnull=True) | Q(evidence_claimed_until__lt=now))
        .order_by("sync_error_count", F("submitted_at").desc(nulls_last=True), "pk")
    )


def sync_evidence(
    client: AutoProctorClient | None = None,
    workers: int | None = None,
    *,
    observer: progress.Observer | None = None,
) -> SyncRun:
    """One evidence pass over every pending attempt. `workers` fixes how many are fetched at
    once; by default that adapts, from settings.SYNC_EVIDENCE_WORKERS up to
    settings.SYNC_EVIDENCE_MAX_CONCURRENCY (see concurrency.py). Returns its SyncRun, whose
    counts are attempts: updated = evidence stored, unchanged = left for later (still
    processing, or another worker had it), failed = error recorded on the attempt. The counts
    grow as the pass goes and are stored every few seconds; `observer` is told of each attempt."""
    run = runs.start_run(SyncRun.Kind.EVIDENCE)
    tally = progress.Tally(run, observer=observer)
    if workers:
        limit = AdaptiveLimit(start=workers, maximum=workers)
    else:
        limit = AdaptiveLimit(
            start=settings.SYNC_EVIDENCE_WORKERS, maximum=settings.SYNC_EVIDENCE_MAX_CONCURRENCY
        )
    stored: list[int] = []
    try:
        with api_client(client) as api, api.listening(limit.observe, pool=limit.maximum):
            results = fetch_pending(api, limit, tally, stored=stored)
    except AutoProctorError as error:  # not configured
        return runs.fail_run(run, error)
    except Exception as error:
        runs.close_after_crash(run, error)
        raise
    finally:
        if stored:  # also those stored before a crash
            signals.announce(signals.evidence_changed, attempt_ids=stored)

    logger.info("Evidence pass: up to %d attempts in flight", limit.peak)
    run.peak_concurrency = limit.peak  # not stored: for the benchmarks' report
    failures = [result for result in results if result.outcome is Outcome.FAILED]
    problems = [f"{result.test_attempt_id}: {result.message}" for result in failures]
    run.warnings = label_warnings(run.started_at)
    fatal = next((result.fatal for result in results if result.fatal is not None), None)
    if fatal is not None:
        return runs.fail_run(run, fatal, problems)
    return runs.finish_run(run, problems)


def fetch_pending(
    client: AutoProctorClient,
    limit: AdaptiveLimit,
    tally: progress.Tally | None = None,
    *,
    stored: list[int] | None = None,
) -> list[AttemptResult]:
    """Every pending attempt, as many at once as `limit` allows, results in queue order.

    With several in flight, one heartbeat keeps the pass's claims alive; one at a time, each
    attempt is claimed for a whole lease, which outlasts its calls. Another beat stores the
    tally's figures every few seconds. `stored` collects the pks of the attempts whose
    evidence was stored, as they are."""
    queue = list(pending_attempts().values_list("pk", "test_attempt_id"))
    stop = threading.Event()
    claims = ClaimBook()
    tally = tally or progress.Tally(SyncRun())
    tally.expect(len(queue))

    def work(item: tuple[int, str]) -> AttemptResult:
        result = fetch_attempt_evidence(item[0], item[1], client, stop=stop, claims=claims)
        if stored is not None and result.outcome is Outcome.STORED:
            stored.append(item[0])  # the pks whose records this pass replaced
        tally.set_concurrency(limit.current)
        tally.step(1, partial(count_outcome, result.outcome))
        return result

    def checkpoint() -> bool:
        tally.set_concurrency(limit.current)
        if tally.run.pk is not None:
            tally.checkpoint()
        return True

    heartbeat = Heartbeat(checkpoint, interval=progress.CHECKPOINT_SECONDS).start()
    try:
        if limit.maximum == 1:
            return [work(item) for item in queue]
        with claims.kept_alive():
            return run_adaptive(queue, work, limit, stop=stop)
    finally:
        heartbeat.stop()


def count_outcome(outcome: Outcome, run: SyncRun) -> None:
    """Add one attempt's outcome to the run's counts (a stopped attempt counts nowhere)."""
    if outcome is Outcome.STORED:
        run.updated += 1
    elif outcome in (Outcome.NOT_READY, Outcome.SKIPPED):
        run.unchanged += 1
    elif outcome is Outcome.FAILED:
        run.failed += 1


def fetch_attempt_evidence(
    pk: int,
    test_attempt_id: str,
    client: AutoProctorClient,
    *,
    stop: threading.Event | None = None,
    claims: ClaimBook | None = None,
) -> AttemptResult:
    """Claim one attempt, fetch its evidence and store it. Never raises for one attempt's
    failure: the error is recorded on the attempt and returned."""
    if stop is not None and stop.is_set():
        return AttemptResult(test_attempt_id, Outcome.STOPPED)
    claims = claims or ClaimBook()
    if not claims.claim(pk):
        return AttemptResult(test_attempt_id, Outcome.SKIPPED, "claimed by another worker")
    try:
        report = get_report(client, test_attempt_id)
        if report.evidence_status != EvidenceStatus.PROCESSED:
            with claims.held(pk) as claim:
                _not_ready(pk, claim, report)
            return AttemptResult(test_attempt_id, Outcome.NOT_READY)
        bundle = download_evidence(client, test_attempt_id)
        check_readable(bundle)
        with claims.held(pk) as claim:
            stored = store_evidence(pk, claim, report, bundle.records)
    except FATAL_ERRORS as error:
        with claims.held(pk) as claim:
            release_claim(pk, claim)
        if stop is not None:
            stop.set()
        return AttemptResult(test_attempt_id, Outcome.STOPPED, runs.safe_message(error), error)
    except NotReady as error:
        # The one-attempt call said "processed": a 400 now is a refused request, not a wait.
        message = f"{runs.safe_message(error)} The one-attempt call says the evidence is ready."
        with claims.held(pk) as claim:
            record_failure(pk, claim, message)
        return AttemptResult(test_attempt_id, Outcome.FAILED, message)
    except (AutoProctorError, IncompleteEvidence) as error:
        message = runs.safe_message(error)
        with claims.held(pk) as claim:
            record_failure(pk, claim, message)
        return AttemptResult(test_attempt_id, Outcome.FAILED, message)
    except Exception as error:  # a bug or a database error must not stop the other attempts
        if runs.database_gone(error):
            # Every other attempt would fail the same way: stop the pass, once, quietly.
            if stop is not None:
                stop.set()
            return AttemptResult(test_attempt_id, Outcome.STOPPED, runs.safe_message(error), error)
        logger.exception("Evidence of attempt %s failed unexpectedly", test_attempt_id)
        message = f"unexpected error: {runs.safe_message(error)}"
        with claims.held(pk) as claim:
            record_failure(pk, claim, message)
        return AttemptResult(test_attempt_id, Outcome.FAILED, message)
    if not stored:
        return AttemptResult(test_attempt_id, Outcome.SKIPPED, "changed while fetching")
    return AttemptResult(test_attempt_id, Outcome.STORED)


def release_claim(pk: int, claim: datetime) -> None:
    Attempt.objects.filter(pk=pk, evidence_claimed_until=claim).update(evidence_claimed_until=None)


def get_report(client: AutoProctorClient, test_attempt_id: str) -> AttemptData:
    """The one-attempt report. It finds the attempt by the signature of its id, so with a wrong
    secret every attempt looks unknown (404); the evidence-file-url call, signed the same way
    but naming the id, answers 403 then, which stops the pass as bad credentials instead of
    marking every attempt as failed."""
    try:
        return client.get_attempt(test_attempt_id)
    except NotFound:
        client.get_evidence_file_url(test_attempt_id)
        raise


def check_readable(bundle: EvidenceBundle) -> None:
    """Refuse evidence that could not all be read: storing the rest would lose evidence."""
    if bundle.problems:
        raise IncompleteEvidence(
            f"the evidence JSON has {len(bundle.problems)} unreadable record(s), so none were "
            "stored and the previous ones were kept: "
            + "; ".join(str(problem) for problem in bundle.problems[:5])
        )


def check_no_device_vanished(previous_devices: set[str], records: list[EvidenceRecordData]) -> None:
    """Refuse evidence that lacks a whole device's records the attempt had before (a list
    missing from the JSON): storing it would lose evidence."""
    vanished = previous_devices - {record.device for record in records}
    if vanished:
        raise IncompleteEvidence(
            f"the evidence JSON has no records of the {', '.join(sorted(vanished))} "
            "device, which this attempt had before; the previous records were kept. If "
            "AutoProctor really removed them, ask AutoProctor support."
        )


def download_evidence(client: AutoProctorClient, test_attempt_id: str) -> EvidenceBundle:
    """Evidence-file URL, then the JSON; an URL that expired before we used it is replaced once."""
    url = client.get_evidence_file_url(test_attempt_id)
    try:
        return client.get_evidence(url)
    except EvidenceUrlExpired:
        logger.info("Evidence URL of %s expired; asking for a new one", test_attempt_id)
        return client.get_evidence(client.get_evidence_file_url(test_attempt_id))


def store_evidence(
    pk: int, claim: datetime, report: AttemptData, records: list[EvidenceRecordData]
) -> bool:
    """Replace the attempt's records in one transaction with a fixed number of queries. False
    (and nothing written) when the claim is no longer ours; IncompleteEvidence (and nothing
    written) when a device the attempt had records of is missing from the new ones."""
    now = timezone.now()
    with transaction.atomic():
        # Updating the attempt first also locks its row until the records are replaced.
        still_ours = Attempt.objects.filter(pk=pk, evidence_claimed_until=claim).update(
            trust_score=report.trust_score,
            evidence_status=report.evidence_status,
            violation_count=sum(record.is_violation for record in records),
            evidence_fetched_at=now,
            evidence_claimed_until=None,
            evidence_recheck_at=None,
            sync_error="",
            sync_error_at=None,
            sync_error_count=0,
        )
        if not still_ours:
            return False
        # Raising rolls the deletion back with the rest: the previous records stay.
        check_no_device_vanished(delete_records(pk), records)
        bulk.insert(EvidenceRecord, evidence_rows(pk, records))
    return True


def delete_records(pk: int) -> set[str]:
    """Delete the attempt's records; the devices they were of. One statement: nothing refers
    to evidence records, so Django's collection of related rows has nothing to do."""
    table = connection.ops.quote_name(EvidenceRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE attempt_id = %s RETURNING device", [pk])  # noqa: S608 (model metadata)
        return {device for (device,) in cursor.fetchall()}


def record_values(record: EvidenceRecordData) -> dict:
    """Our columns derived from one parsed evidence record (the evidence pass stores them, the
    re-parse compares them); text is cut to the column, the full value stays in raw."""
    return {
        "label": record.label[:100],
        "is_violation": record.is_violation,
        "occurred_at": record.occurred_at,
        "recorded_at": record.recorded_at,
        "s3_path": record.s3_path,
        "data_type": (record.data_type or "none")[:16],
        "misc": record.misc or {},
    }


def evidence_rows(pk: int, records: list[EvidenceRecordData]) -> list[dict]:
    return [
        {
            "attempt_id": pk,
            "device": record.device,
            "position": record.position,
            **record_values(record),
            "raw": record.raw or {},
        }
        for record in records
    ]


def record_failure(pk: int, claim: datetime, message: str) -> None:
    """Note the error on the attempt and free it for the next pass; its records stay."""
    Attempt.objects.filter(pk=pk, evidence_claimed_until=claim).update(
        sync_error=message[:MAX_ERROR_LENGTH],
        sync_error_at=timezone.now(),
        sync_error_count=F("sync_error_count") + 1,
        evidence_claimed_until=None,
    )


def _not_ready(pk: int, claim: datetime, report) -> None:
    """The report says the evidence is not processed (any more): believe it, and wait for the
    results pass to say it is processed again."""
    Attempt.objects.filter(pk=pk, evidence_claimed_until=claim).update(
        trust_score=report.trust_score,
        evidence_status=(report.evidence_status or "")[:32],
        evidence_claimed_until=None,
        evidence_recheck_at=next_recheck(report.submitted_at),
    )
