"""The results pass: read the tenant's results pages (which ones: incremental.py) and upsert
every attempt on them.

Each page costs one read (the page's existing rows) and at most two bulk upserts (new and
changed rows); unchanged rows are not written at all, so a re-sync that finds nothing new is
mostly the HTTP time. Nothing is ever deleted: a page that comes back shorter proves nothing.
An attempt we erased on purpose (an ErasureTombstone: retention, or the candidate's erasure
request) is skipped, so no pass brings it back.

An attempt whose `submitted_at` or `evidence_status` changed has its evidence marked for
fetching again (evidence_fetched_at cleared) and any evidence worker's claim on it voided, so a
worker still busy with the old evidence does not store it over the new state.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from autoproctor import AutoProctorError
from proctoring import signals
from proctoring.db_functions import UtcTime, aware
from proctoring.models import Attempt, ErasureTombstone, ResultsMode, SyncRun
from proctoring.sync import bulk, incremental, item_fallback, leases, progress, runs
from proctoring.sync.api import api_client
from proctoring.sync.drift import DriftWatch
from proctoring.sync.leases import LeaseLost
from proctoring.sync.mapping import keep_unsent
from proctoring.sync.recent_ids import RecentIds

if TYPE_CHECKING:
    from autoproctor import AttemptData, AutoProctorClient, ResultsPage

logger = logging.getLogger("proctoring.sync")

RESULTS_LEASE = "results"

# Fields copied from the API on every change, in the order they are compared.
DATA_FIELDS = (
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
# Timestamps read through UtcTime: Django's own reading of them was a fifth of a re-sync.
UTC_READS = {"started_at": "started_utc", "submitted_at": "submitted_utc"}
# A change to one of these means the stored evidence may be out of date.
EVIDENCE_TRIGGERS = ("submitted_at", "evidence_status")
NATURAL_KEY = ["client_id", "test_attempt_id"]
ATTEMPT_ID_MAX_LENGTH = Attempt._meta.get_field("test_attempt_id").max_length


@dataclass
class PageCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)
    # Attempts this page newly put below REVIEW_THRESHOLD (new, or their score dropped).
    newly_below: list[str] = field(default_factory=list)


def sync_results(
    client: AutoProctorClient | None = None,
    *,
    full: bool = False,
    settle_window: bool = False,
    observer: progress.Observer | None = None,
) -> SyncRun:
    """One results pass: incremental (only the listing's young end) unless a sweep is due,
    `settle_window` asks for a settle-window sweep or `full` for a full one (the tiers of
    incremental.py). Returns its SyncRun: succeeded, partial
    (items the API sent that could not be stored faithfully, listed in error_summary), failed,
    or skipped (another pass holds the lease). `observer` is told of every page read."""
    lease = leases.acquire(RESULTS_LEASE)
    if lease is None:
        holder = leases.current_holder(RESULTS_LEASE)
        return runs.skipped_run(
            SyncRun.Kind.RESULTS,
            f"Another results pass is running ({holder.holder if holder else 'unknown'}).",
        )
    run = runs.start_run(SyncRun.Kind.RESULTS)
    plan = incremental.plan_pass(full=full, settle_window=settle_window)
    run.mode, run.mode_reason = plan.mode, plan.reason
    tally = progress.Tally(run, observer=observer)
    problems: list[str] = []
    newly_below: list[str] = []
    try:
        with api_client(client) as api:
            seen = RecentIds()
            may_stop = incremental.stop_rule(api.client_id, plan)
            drift = DriftWatch(api.client_id)
            lease_beat = settings.SYNC_LEASE_SECONDS / leases.BEATS_PER_LEASE
            every = min(progress.CHECKPOINT_SECONDS, lease_beat)
            next_checkpoint = time.monotonic() + every

            def visit(page: ResultsPage) -> bool:
                nonlocal next_checkpoint
                if page.number == 1 and plan.mode == ResultsMode.FULL:
                    expect_listing(tally, page)
                drift.observe(page.attempts)  # before the upsert: it compares with stored rows
                drift.observe_problems(page.problems)
                run.warnings = drift.warnings()
                counts = upsert_attempts(api.client_id, page.attempts, seen=seen)
                newly_below.extend(counts.newly_below)
                page_problems = [str(problem) for problem in page.problems] + counts.problems
                problems.extend(page_problems)

                def count(run: SyncRun) -> None:
                    run.created += counts.created
                    run.updated += counts.updated
                    run.unchanged += counts.unchanged
                    run.pages_read += 1
                    run.failed += len(page_problems)

                tally.step(len(page.attempts) + len(page.problems), count)
                if time.monotonic() >= next_checkpoint:
                    checkpoint(tally, lease)
                    next_checkpoint = time.monotonic() + every
                changed = bool(counts.created or counts.updated or page_problems)
                return may_stop(page, changed)

            if plan.mode == ResultsMode.FULL:
                reading = incremental.read_full(api, visit)
            else:
                reading = incremental.read_incremental(api, plan, visit)
            run.listing_order = reading.order
            if reading.fell_back:
                run.mode, run.mode_reason = ResultsMode.FULL, reading.fell_back
            elif why := incremental.reads_everything(reading.order):
                run.mode_reason = why
    except (AutoProctorError, LeaseLost) as error:
        logger.warning("Results pass failed: %s", runs.safe_message(error))
        runs.fail_run(run, error, problems)
        _announce(run, newly_below)  # the pages stored before the failure count
        return run
    except Exception as error:
        runs.close_after_crash(run, error)
        raise
    finally:
        lease.release()
    runs.finish_run(run, problems)
    _announce(run, newly_below)
    return run


def _announce(run: SyncRun, newly_below: list[str]) -> None:
    """Tell the listeners what the pass wrote, and which attempts it found below the threshold."""
    if run.created or run.updated:
        signals.announce(signals.attempts_synced, run_id=run.pk, since=run.started_at)
    if newly_below:
        signals.announce(signals.attempts_need_review, run_id=run.pk, test_attempt_ids=newly_below)


def expect_listing(tally: progress.Tally, first: ResultsPage) -> None:
    """A full sweep reads the whole listing: its count (when the API gives one) and the first
    page's size say how many attempts and pages that is."""
    if first.total is None:
        return
    size = len(first.attempts) + len(first.problems)
    pages = max(1, -(-first.total // size)) if size else 1
    tally.expect(first.total, pages=pages)


def checkpoint(tally: progress.Tally, lease: leases.Lease) -> None:
    """Show the progress so far and extend the lease."""
    tally.checkpoint()
    if not lease.renew():
        raise LeaseLost(
            "The results lease expired during this pass and another pass took over; raise "
            "SYNC_LEASE_SECONDS if pages take this long."
        )


def upsert_attempts(
    client_id: str, attempts: list, *, seen: set[str] | RecentIds | None = None
) -> PageCounts:
    """Store one page of AttemptData: insert new attempts, update changed ones, leave the rest.

    `seen` collects the ids handled on the pass's last pages, so an attempt that shifts onto
    the next page while the listing grows is counted once.
    """
    seen = set() if seen is None else seen
    counts = PageCounts()
    incoming = {}
    for data in attempts:
        if len(data.test_attempt_id) > ATTEMPT_ID_MAX_LENGTH:
            counts.problems.append(
                f"attempt {data.test_attempt_id[:40]!r}...: test_attempt_id: longer than "
                f"{ATTEMPT_ID_MAX_LENGTH} characters, not stored"
            )
        elif data.test_attempt_id not in seen:
            incoming[data.test_attempt_id] = data
    seen.update(incoming)
    for erased in ErasureTombstone.objects.filter(
        client_id=client_id, test_attempt_id__in=list(incoming)
    ).values_list("test_attempt_id", flat=True):
        del incoming[erased]
    if not incoming:
        return counts

    existing = {
        stored[0]: dict(zip(DATA_FIELDS, stored[1:], strict=True))
        for stored in Attempt.objects.filter(
            client_id=client_id, test_attempt_id__in=list(incoming)
        )
        .annotate(**{alias: UtcTime(name) for name, alias in UTC_READS.items()})
        .values_list("test_attempt_id", *[UTC_READS.get(name, name) for name in DATA_FIELDS])
    }
    for stored in existing.values():
        for name in UTC_READS:
            stored[name] = aware(stored[name])
    now = timezone.now()
    created, changed_rows, evidence_stale = [], [], []
    for attempt_id, data in incoming.items():
        row = {"client_id": client_id, "test_attempt_id": attempt_id, "last_synced_at": now}
        row |= attempt_values(data)
        stored = existing.get(attempt_id)
        keep_unsent(row, data, stored)
        if _newly_below(row["trust_score"], stored and stored["trust_score"]):
            counts.newly_below.append(attempt_id)
        if stored is None:
            created.append(row)
            continue
        changed = [name for name in DATA_FIELDS if stored[name] != row[name]]
        if not changed:
            counts.unchanged += 1
        elif any(name in EVIDENCE_TRIGGERS for name in changed):
            evidence_stale.append(row)
        else:
            changed_rows.append(row)
    counts.created = len(created)
    counts.updated = len(changed_rows) + len(evidence_stale)

    update_fields = [*DATA_FIELDS, "last_synced_at"]
    stale_fields = [*update_fields, "evidence_fetched_at", "evidence_claimed_until"]
    try:
        with transaction.atomic():
            insert_new(created, update_fields)
            update_existing(changed_rows, update_fields)
            # evidence_fetched_at and evidence_claimed_until take their default, None.
            update_existing(evidence_stale, stale_fields)
            keep_purged_evidence_out(client_id, evidence_stale)
    except item_fallback.UNSTORABLE_ERRORS as error:
        if runs.database_gone(error):
            raise  # no row would be stored one by one either
        failed = item_fallback.store_each(
            [
                (created, partial(update_existing, update_fields=update_fields)),
                (changed_rows, partial(update_existing, update_fields=update_fields)),
                (evidence_stale, partial(update_existing, update_fields=stale_fields)),
            ]
        )
        new_failed = sum(row["test_attempt_id"] in failed for row in created)
        counts.created -= new_failed
        counts.updated -= len(failed) - new_failed
        counts.problems += [item_fallback.problem(key, why) for key, why in failed.items()]
        keep_purged_evidence_out(client_id, evidence_stale)
    return counts


def keep_purged_evidence_out(client_id: str, rows: list[dict]) -> None:
    """Of the attempts whose evidence was just marked for fetching again, those whose evidence
    a retention policy deleted stay out of the evidence pass's queue (fetched as of the purge):
    a change AutoProctor reports must not bring back what the policy removed."""
    if rows:
        Attempt.objects.filter(
            client_id=client_id,
            test_attempt_id__in=[row["test_attempt_id"] for row in rows],
            evidence_purged_at__isnull=False,
        ).update(evidence_fetched_at=F("evidence_purged_at"))


def _newly_below(score: float | None, stored_score: float | None) -> bool:
    """Whether this score puts the attempt below REVIEW_THRESHOLD when it was not before."""
    threshold = settings.REVIEW_THRESHOLD
    below = score is not None and score < threshold
    return below and (stored_score is None or stored_score >= threshold)


def insert_new(rows: list[dict], update_fields: list[str]) -> None:
    """Insert the attempts the page's read did not find, the fast way (a plain COPY on
    PostgreSQL). Should another pass have stored some of them since that read (its lease
    expired mid-pass), the insert fails as a whole and they are upserted instead."""
    if not rows:
        return
    try:
        with transaction.atomic():
            bulk.insert(Attempt, rows)
    except IntegrityError:
        update_existing(rows, update_fields)


def update_existing(rows: list[dict], update_fields: list[str]) -> None:
    """Write `update_fields` of stored attempts (by their natural key), in one statement."""
    if rows:
        Attempt.objects.bulk_create(
            [Attempt(**row) for row in rows],
            update_conflicts=True,
            unique_fields=NATURAL_KEY,
            update_fields=update_fields,
        )


def attempt_values(data: AttemptData) -> dict:
    """Our columns for one AttemptData; text is cut to the column (the full value is in raw)."""
    return {
        "lookup_key": _fit("lookup_key", data.lookup_key),
        "candidate_name": _fit("candidate_name", data.candidate_name),
        "candidate_email": _fit("candidate_email", data.candidate_email),
        "started_at": data.started_at,
        "submitted_at": data.submitted_at,
        "trust_score": data.trust_score,
        "evidence_status": _fit("evidence_status", data.evidence_status),
        "device": _fit("device", data.device),
        "raw": data.raw or {},
    }


def _fit(field_name: str, text: str | None) -> str:
    limit = Attempt._meta.get_field(field_name).max_length
    return (text or "")[:limit]
