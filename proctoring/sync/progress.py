"""How far a running pass is: its counts, its recent rate and its time left.

A pass moves its `Tally` along in memory as it works (a page read, an attempt's evidence
tried); the run's row gets the figures only at the pass's checkpoints (every few seconds), so
following the progress costs no write per attempt. Whoever watches in the same process (the
`sync_autoproctor` command's progress bar) is told at every step through an observer.

The rate is taken over the last RATE_WINDOW_SECONDS rather than since the start: the first
pages of a sweep are slower (connections, caches) and the evidence pass speeds up as its
concurrency grows, so the recent rate predicts the time left better.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from proctoring.models import SyncRun

# How often a long pass stores its progress (and the results pass renews its lease), at most:
# not per page or attempt, since each store is a commit.
CHECKPOINT_SECONDS = 5
RATE_WINDOW_SECONDS = 60.0
# Samples of (time, items done) are kept at most this often, so the window stays small.
SAMPLE_SECONDS = 1.0
# Fields a checkpoint writes: the counts the pass keeps on its run, and the progress.
CHECKPOINT_FIELDS = (
    "mode",
    "created",
    "updated",
    "unchanged",
    "failed",
    "pages_read",
    "warnings",
    "items_done",
    "items_total",
    "pages_total",
    "concurrency",
    "rate",
    "progress_at",
)

# Told of every step: the run (its counts as they stand) and the tally.
Observer = Callable[[SyncRun, "Tally"], None]


class Tally:
    """The progress of one run, moved along by the pass and written at checkpoints.

    Thread-safe: the evidence pass's workers call `step` at once; `lock` also guards the
    run's counts, which the workers add to inside `step`'s callback.
    """

    def __init__(self, run: SyncRun, *, observer: Observer | None = None):
        self.run = run
        self.observer = observer
        self.lock = threading.RLock()
        started = time.monotonic()
        self._samples: deque[tuple[float, int]] = deque([(started, run.items_done)])

    def expect(self, total: int | None, *, pages: int | None = None) -> None:
        """The pass now knows how many attempts (and pages) it has in front of it."""
        with self.lock:
            self.run.items_total = total
            if pages is not None:
                self.run.pages_total = pages
            self._notify()

    def step(self, items: int = 1, count: Callable[[SyncRun], None] | None = None) -> None:
        """`items` more attempts done; `count` adds their outcome to the run's counts."""
        with self.lock:
            self.run.items_done += items
            if count is not None:
                count(self.run)
            now = time.monotonic()
            if now - self._samples[-1][0] >= SAMPLE_SECONDS:
                self._samples.append((now, self.run.items_done))
                while len(self._samples) > 2 and now - self._samples[0][0] > RATE_WINDOW_SECONDS:
                    self._samples.popleft()
            self._notify()

    def set_concurrency(self, concurrency: int) -> None:
        with self.lock:
            self.run.concurrency = concurrency

    def recent_rate(self) -> float | None:
        """Attempts per second over the last minute or so; None before a second has passed."""
        with self.lock:
            first_time, first_done = self._samples[0]
            elapsed = time.monotonic() - first_time
            if elapsed < SAMPLE_SECONDS:
                return None
            return (self.run.items_done - first_done) / elapsed

    def checkpoint(self) -> None:
        """Write the figures so far to the run's row: one UPDATE, whatever the pass did since."""
        with self.lock:
            self.run.rate = self.recent_rate()
            self.run.progress_at = timezone.now()
            values = {name: getattr(self.run, name) for name in CHECKPOINT_FIELDS}
        SyncRun.objects.filter(pk=self.run.pk).update(**values)

    def _notify(self) -> None:
        if self.observer is not None:
            self.observer(self.run, self)


def seconds_left(done: int, total: int | None, rate: float | None) -> float | None:
    """The time left at `rate`, or None when there is no total or no rate to go by."""
    if total is None or not rate or rate <= 0:
        return None
    return max(0, total - done) / rate


def expected_end(run: SyncRun) -> timedelta | None:
    """How long the run still needs, from its last checkpoint's rate, counted from now."""
    left = seconds_left(run.items_done, run.items_total, run.rate)
    if left is None or run.progress_at is None:
        return None
    since_checkpoint = (timezone.now() - run.progress_at).total_seconds()
    return timedelta(seconds=max(0.0, left - since_checkpoint))
