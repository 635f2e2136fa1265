"""The usage pass: one UsageSnapshot per run, so the history draws the credit balance chart."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from autoproctor import AutoProctorError
from proctoring import signals
from proctoring.models import SyncRun, UsageSnapshot
from proctoring.sync import runs
from proctoring.sync.api import api_client

if TYPE_CHECKING:
    from autoproctor import AutoProctorClient

logger = logging.getLogger("proctoring.sync")


def sync_usage(client: AutoProctorClient | None = None) -> SyncRun:
    """Ask AutoProctor for the account's credit figures and keep them as a new snapshot."""
    run = runs.start_run(SyncRun.Kind.USAGE)
    try:
        with api_client(client) as api:
            usage = api.get_usage()
    except AutoProctorError as error:
        logger.warning("Usage pass failed: %s", runs.safe_message(error))
        return runs.fail_run(run, error)
    except Exception as error:
        runs.close_after_crash(run, error)
        raise
    snapshot = UsageSnapshot.objects.create(
        credits_remaining=usage.credits_remaining,
        credits_used=usage.credits_used,
        period_start=usage.period_start,
        period_end=usage.period_end,
        usage_by_lookup_key=usage.usage_by_lookup_key,
        raw=usage.raw or {},
    )
    run.created = 1
    runs.finish_run(run)
    signals.announce(
        signals.usage_recorded,
        snapshot_id=snapshot.pk,
        credits_remaining=snapshot.credits_remaining,
    )
    return run
