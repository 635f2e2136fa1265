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
from proctoring.models import Attempt, EvidenceStatus, SyncRun
from proctoring.sync import progress, runs
from proctoring.sync.announcer import Announcer
from proctoring.sync.api import api_client
from proctoring.sync.candidates import awaiting_evidence, next_recheck
from proctoring.sync.claims import ClaimBook
from proctoring.sync.concurrency import AdaptiveLimit, run_adaptive
from proctoring.sync.drift import label_warnings
from proctoring.sync.evidence_store import (  # noqa: F401 (also imported from here)
    IncompleteEvidence,
    StoreQueue,
    evidence_rows,
    record_values,
    store_evidence,
)
from proctoring.sync.leases import Heartbeat

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from autoproctor import (
        AttemptData,
        AutoProctorClient,
        EvidenceBundle,
    )

logger = logging.getLogger("proctoring.sync")

# Errors about the account or this server rather than one attempt: they stop the pass.
FATAL_ERRORS = (BadCredentials, ClockSkew, NotConfigured)
MAX_ERROR_LENGTH = 2000


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
    # With a pool, the figures are recounted alongside the pass (announcer.py); one at a time,
    # at its end, in the pass's own thread and connection.
    stored = Announcer(in_background=limit.maximum > 1)
    try:
        with api_client(client) as api, api.listening(limit.observe, pool=limit.maximum):
            results = fetch_pending(api, limit, tally, stored=stored)
    except AutoProctorError as error:  # not configured
        return runs.fail_run(run, error)
    except Exception as error:
        runs.close_after_crash(run, error)
        raise
    finally:
        stored.close()  # announces the rest, also those stored before a crash

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
    stored: Announcer | list[int] | None = None,
) -> list[AttemptResult]:
    """Every pending attempt, as many at once as `limit` allows, results in queue order.

    With several in flight, one heartbeat keeps the pass's claims alive; one at a time, each
    attempt is claimed for a whole lease, which outlasts its calls. Another beat stores the
    tally's figures every few seconds. `stored` collects the pks of the attempts whose
    evidence was stored, as they are."""
    queue = list(pending_attempts().values_list("pk", "test_attempt_id"))
    stop = threading.Event()
    if limit.maximum == 1:
        claims, store = ClaimBook(), None
    else:  # claimed a few at a time, stored a batch at a time: see claims.py, evidence_store.py
        claims = ClaimBook(upcoming=[pk for pk, _ in queue], chunk=limit.maximum)
        store = StoreQueue(claims)
    tally = tally or progress.Tally(SyncRun())
    tally.expect(len(queue))

    def work(item: tuple[int, str]) -> AttemptResult:
        result = fetch_attempt_evidence(
            item[0], item[1], client, stop=stop, claims=claims, store=store
        )
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
    store: StoreQueue | None = None,
) -> AttemptResult:
    """Claim one attempt, fetch its evidence and store it (with `store`, in a batch with
    others fetched meanwhile). Never raises for one attempt's failure: the error is recorded
    on the attempt and returned."""
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
        if store is not None:
            stored = store.store(pk, report, bundle.records)
        else:
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


def download_evidence(client: AutoProctorClient, test_attempt_id: str) -> EvidenceBundle:
    """Evidence-file URL, then the JSON; an URL that expired before we used it is replaced once."""
    url = client.get_evidence_file_url(test_attempt_id)
    try:
        return client.get_evidence(url)
    except EvidenceUrlExpired:
        logger.info("Evidence URL of %s expired; asking for a new one", test_attempt_id)
        return client.get_evidence(client.get_evidence_file_url(test_attempt_id))


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
