"""Adaptive concurrency for the evidence pass: as many attempts in flight as AutoProctor takes.

AutoProctor is a network round trip away, so attempts fetched one after another wait on the
network, not on us. The pass keeps several in flight, and how many adapts the way TCP does
(AIMD): it starts at SYNC_EVIDENCE_WORKERS, grows quickly at first (one more per successful
call, until the first setback) and then by about one per round, and halves on a 429, a 5xx, a
broken connection or latency rising well above the lowest seen, at most once per round trip;
it never exceeds SYNC_EVIDENCE_MAX_CONCURRENCY. A `Retry-After` pauses every new call until
then, not only the one retried.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import connections

Item = TypeVar("Item")
Result = TypeVar("Result")

# Latency counts as rising when its moving average is this many times the lowest seen.
LATENCY_RISE = 3.0
SMOOTHING = 0.2  # weight of the newest call in the moving average


class AdaptiveLimit:
    """How many attempts may be in flight now. Thread-safe; `observe` is fed every HTTP call."""

    def __init__(self, start: int, maximum: int):
        self.maximum = max(1, maximum)
        self.limit = float(min(max(1, start), self.maximum))
        self.peak = int(self.limit)
        self.decreases = 0
        self._slow_start = True
        self._in_flight = 0
        self._paused_until = 0.0
        self._last_decrease = 0.0
        self._lowest: dict[str, float] = {}
        self._average: dict[str, float] = {}
        self._condition = threading.Condition()

    @property
    def current(self) -> int:
        return int(self.limit)

    def acquire(self) -> None:
        """Wait for a free slot (and for any Retry-After pause to end)."""
        with self._condition:
            while True:
                pause = self._paused_until - time.monotonic()
                if pause <= 0 and self._in_flight < int(self.limit):
                    self._in_flight += 1
                    return
                self._condition.wait(timeout=pause if pause > 0 else None)

    def release(self) -> None:
        with self._condition:
            self._in_flight -= 1
            self._condition.notify()

    def observe(
        self, endpoint: str, status: int | None, elapsed_ms: float, retry_after: float | None
    ) -> None:
        """One HTTP call's outcome: grow on success, halve on a setback."""
        seconds = elapsed_ms / 1000
        with self._condition:
            before = int(self.limit)
            if retry_after:
                self._paused_until = max(self._paused_until, time.monotonic() + retry_after)
            failed = status is None or status == 429 or status >= 500
            if failed or self._latency_rising(endpoint, seconds):
                self._decrease(seconds)
            else:
                self._increase()
            # Wake only as many waiting threads as there are new slots: waking them all on
            # every call (three per attempt) made each waiting thread take the interpreter
            # lock only to wait again, a large share of the pass's CPU.
            if int(self.limit) > before:
                self._condition.notify(int(self.limit) - before)

    def _latency_rising(self, endpoint: str, seconds: float) -> bool:
        lowest = min(self._lowest.get(endpoint, seconds), seconds)
        self._lowest[endpoint] = lowest
        average = self._average.get(endpoint, seconds)
        average += SMOOTHING * (seconds - average)
        self._average[endpoint] = average
        return average > LATENCY_RISE * lowest + 0.05

    def _increase(self) -> None:
        step = 1.0 if self._slow_start else 1.0 / self.limit
        self.limit = min(self.maximum, self.limit + step)
        self.peak = max(self.peak, int(self.limit))

    def _decrease(self, round_trip: float) -> None:
        now = time.monotonic()
        if now - self._last_decrease < max(round_trip, 0.05):
            return  # one halving per round trip: the calls already in flight saw the same
        self._last_decrease = now
        self._slow_start = False
        self.limit = max(1.0, self.limit / 2)
        self.decreases += 1
        # Forget the latency averages: the next round measures the smaller load anew.
        self._average.clear()


def run_adaptive(
    items: Sequence[Item],
    work: Callable[[Item], Result],
    limit: AdaptiveLimit,
    *,
    stop: threading.Event | None = None,
) -> list[Result]:
    """work(item) for every item, at most `limit.current` at a time, results in item order.

    The pool has `limit.maximum` threads; the limit decides how many work at once. Each
    thread keeps one database connection for all its items and closes it at the end:
    connecting anew for every item cost more than the item's own queries.
    """
    if limit.maximum == 1 or len(items) < 2:
        return [work(item) for item in items]
    results: list[Result | None] = [None] * len(items)
    numbered = enumerate(items)
    taking = threading.Lock()

    def drain() -> None:
        try:
            while stop is None or not stop.is_set():
                limit.acquire()
                try:
                    with taking:
                        index, item = next(numbered, (None, None))
                    if index is None:
                        return
                    results[index] = work(item)
                finally:
                    limit.release()
        finally:
            connections.close_all()

    threads = min(limit.maximum, len(items))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="evidence") as pool:
        for thread in [pool.submit(drain) for _ in range(threads)]:
            thread.result()
    # Items left when the pass stopped: each is then worked on, which reports it as stopped.
    return [work(items[i]) if result is None else result for i, result in enumerate(results)]
