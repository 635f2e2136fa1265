"""What reviewing tells the apps above it, as Django signals (they import review, never the
other way round).

- `verdict_given(attempt_id, verdict)`: a verdict was given and its transaction committed; sent
  once per attempt, bulk verdicts included, with `send_robust` (a listener's error is logged
  and never undoes the verdict).
"""

from __future__ import annotations

import logging

from django.dispatch import Signal

logger = logging.getLogger("review")

verdict_given = Signal()


def announce_verdict(attempt_id: int, verdict: str) -> None:
    for receiver, outcome in verdict_given.send_robust(
        sender="review", attempt_id=attempt_id, verdict=verdict
    ):
        if isinstance(outcome, Exception):
            logger.error(
                "A listener of verdicts (%s) failed: %s",
                getattr(receiver, "__qualname__", receiver),
                outcome,
                exc_info=outcome,
            )
