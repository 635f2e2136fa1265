"""How `sync_autoproctor` shows a pass's progress while it runs.

On a terminal, a progress bar per stage (rich) with attempts done of the total, the rate and
the time left; elsewhere (a log file, CI, a pipe) a plain line every few seconds, since a bar's
redrawing would fill a log with control characters.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from proctoring.models import SyncRun
from proctoring.progress_text import live_left, progress_figures, progress_line
from proctoring.sync.progress import Tally


class RateColumn(ProgressColumn):
    """Attempts per second, from rich's own recent samples."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.1f}/s" if task.speed else "-/s", style="progress.data.speed")


class ProgressBars:
    """An observer drawing one rich progress bar per stage on a terminal."""

    def __init__(self, stream: TextIO):
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            RateColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
            console=Console(file=stream, force_terminal=True),
        )
        self._tasks: dict[int, TaskID] = {}

    def __enter__(self) -> ProgressBars:
        self.progress.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.progress.stop()

    def __call__(self, run: SyncRun, tally: Tally) -> None:
        figures = progress_figures(run, rate=0, left=None)
        detail = ", ".join(
            figures[name]
            for name in ("mode", "pages", "stored", "concurrency", "failed")
            if figures[name]
        )
        task = self._tasks.get(run.pk)
        if task is None:
            task = self.progress.add_task(run.get_kind_display(), total=None, detail=detail)
            self._tasks[run.pk] = task
        self.progress.update(task, completed=run.items_done, total=run.items_total, detail=detail)


class ProgressLines:
    """An observer writing one plain line every `every` seconds (and none when nothing moved)."""

    def __init__(
        self,
        write: Callable[[str], None],
        every: float,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.write = write
        self.every = every
        self.clock = clock
        self._next = clock() + every

    def __enter__(self) -> ProgressLines:
        return self

    def __exit__(self, *exc_info) -> None:
        pass

    def __call__(self, run: SyncRun, tally: Tally) -> None:
        now = self.clock()
        if now < self._next:
            return
        self._next = now + self.every
        rate = tally.recent_rate()
        left = live_left(run.items_done, run.items_total, rate)
        self.write(progress_line(run, rate=rate or 0, left=left))


def progress_output(stream: TextIO, write: Callable[[str], None], every: float):
    """Bars on a terminal, periodic lines elsewhere."""
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return ProgressBars(stream)
    return ProgressLines(write, every)
