"""A running pass's progress in words, the same on the command line and on the pages.

Each figure is a short phrase ("settle-window sweep", "page 3 of 40", "12.5 attempts/s",
"about 4 min left"); an empty phrase means the figure does not apply or is not known yet, and
is left out.
"""

from __future__ import annotations

from datetime import timedelta

from proctoring.models import SyncRun
from proctoring.sync.progress import expected_end, seconds_left

# The figures, in the order a line reads them.
FIGURES = ("mode", "pages", "attempts", "stored", "concurrency", "failed", "rate", "left")


def duration(seconds: float) -> str:
    """Seconds as a person reads a wait: "40 s", "4 min", "1 h 20 min"."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def progress_figures(
    run: SyncRun, *, rate: float | None = None, left: timedelta | None = None
) -> dict[str, str]:
    """The run's figures as phrases. `rate` and `left` default to the last checkpoint's."""
    rate = run.rate if rate is None else rate
    if left is None:
        left = expected_end(run)
    figures = dict.fromkeys(FIGURES, "")
    if run.kind == SyncRun.Kind.RESULTS:
        figures["mode"] = run.get_mode_display().lower()
        if run.pages_total:
            figures["pages"] = f"page {run.pages_read:,} of {run.pages_total:,}"
        else:
            figures["pages"] = f"{run.pages_read:,} page{'s' if run.pages_read != 1 else ''} read"
        figures["attempts"] = _of(run.items_done, run.items_total, "read")
        figures["stored"] = f"{run.created + run.updated + run.unchanged:,} stored"
    elif run.kind == SyncRun.Kind.EVIDENCE:
        figures["attempts"] = _of(run.items_done, run.items_total, "done")
        figures["stored"] = f"{run.updated:,} stored"
        if run.concurrency:
            figures["concurrency"] = f"{run.concurrency} in flight"
    if run.kind != SyncRun.Kind.USAGE:
        figures["failed"] = f"{run.failed:,} failed"
    if rate:
        figures["rate"] = f"{rate:,.1f} attempts/s"
    if left is not None:
        figures["left"] = f"about {duration(left.total_seconds())} left"
    return figures


def progress_line(run: SyncRun, *, rate: float | None = None, left: timedelta | None = None) -> str:
    """One line: "Evidence: 120 of 900 attempts done, 8 in flight, ..., about 3 min left"."""
    figures = progress_figures(run, rate=rate, left=left)
    return f"{run.get_kind_display()}: " + ", ".join(
        figures[name] for name in FIGURES if figures[name]
    )


def live_left(done: int, total: int | None, rate: float | None) -> timedelta | None:
    """The time left by a rate measured just now (not at a checkpoint)."""
    left = seconds_left(done, total, rate)
    return None if left is None else timedelta(seconds=left)


def _of(done: int, total: int | None, verb: str) -> str:
    if total is None:
        return f"{done:,} attempt{'s' if done != 1 else ''} {verb}"
    return f"{done:,} of {total:,} attempts {verb}"
