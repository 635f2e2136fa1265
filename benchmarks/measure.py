"""Timing helpers: every figure is the median of several runs, because this machine is shared."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager


def percentile(values: list[float], fraction: float) -> float:
    """The `fraction` percentile (nearest rank, 0 < fraction <= 1) of `values`."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(function: Callable, *args, **kwargs) -> tuple[float, object]:
    """(seconds, result) of one call."""
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def repeat(function: Callable, times: int, *, before: Callable | None = None) -> list[float]:
    """Seconds of `times` calls; `before` (not timed) runs ahead of each, e.g. to empty a table."""
    seconds = []
    for _ in range(times):
        if before is not None:
            before()
        elapsed, _ = timed(function)
        seconds.append(elapsed)
    return seconds


@contextmanager
def stopwatch():
    """`with stopwatch() as watch: ...` then `watch.seconds`."""

    class Watch:
        seconds = 0.0

    watch = Watch()
    started = time.perf_counter()
    try:
        yield watch
    finally:
        watch.seconds = time.perf_counter() - started


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def progress(message: str) -> None:
    """A line of progress on standard error (the figures go to standard output)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
