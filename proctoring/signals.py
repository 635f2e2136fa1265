"""What the sync tells the rest of the product, as Django signals.

The sync knows nothing of who listens (notifications, for one): it sends these after the
rows are stored, with `send_robust`, so a listener that fails can neither stop nor slow a pass
beyond its own work. Every argument is plain data (ids, counts, text), never a candidate's
name or email.

- `attempts_need_review(run_id, test_attempt_ids)`: the attempts a results pass newly found
  below REVIEW_THRESHOLD (new ones, and stored ones whose score dropped below it); once per pass.
- `sync_stage_failed(kind, failures, error)`: a stage failed; `failures` counts the failed runs
  of that stage in a row, this one included (skipped runs do not break the row).
- `sync_stage_recovered(kind, failures)`: a stage succeeded after `failures` failed runs.
- `drift_warning(run_id, kind, warnings)`: a pass ended with drift alarms (proctoring.sync.drift).
- `usage_recorded(snapshot_id, credits_remaining)`: the usage pass stored a snapshot.
- `attempts_synced(run_id, since)`: a results pass created or changed attempts; every one it
  wrote has `last_synced_at >= since`. Once per pass, also when the pass failed part way.
- `evidence_changed(attempt_ids)`: these attempts' evidence records were replaced, changed or
  removed (an evidence pass, a re-parse, a retention purge), or the attempts deleted; once per
  pass or batch, so figures kept from the evidence can recount just these attempts.
- `candidates_erased(test_attempt_ids, needles)`: attempts were erased or deleted (a retention
  policy, an erasure request). The one signal that carries personal data: `needles` are the
  emails and names to remove wherever a listener keeps text (retention.erasure sends it).
"""

from __future__ import annotations

import logging

from django.dispatch import Signal

logger = logging.getLogger("proctoring.sync")

attempts_need_review = Signal()
sync_stage_failed = Signal()
sync_stage_recovered = Signal()
drift_warning = Signal()
usage_recorded = Signal()
evidence_changed = Signal()
attempts_synced = Signal()
candidates_erased = Signal()


def announce(signal: Signal, **data) -> None:
    """Send `signal` to every listener; a listener's error is logged, never raised."""
    for receiver, outcome in signal.send_robust(sender="proctoring", **data):
        if isinstance(outcome, Exception):
            logger.error(
                "A listener of the sync (%s) failed: %s",
                getattr(receiver, "__qualname__", receiver),
                outcome,
                exc_info=outcome,
            )
