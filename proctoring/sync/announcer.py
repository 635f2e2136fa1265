"""Telling the listeners of `evidence_changed` about stored attempts while the pass goes on.

The figures kept from the evidence (analytics: the violation cells, the attempts' keys) are
recounted for the attempts a pass stored. Recounting them all after the last attempt made a
long pass wait for it at the end (a quarter of its time, mostly waiting on the database). With
many attempts in flight, `Announcer` sends the signal for every `batch` attempts stored, from a
thread of its own, so the recount runs alongside the fetching; the rest is sent when the pass
ends, crashed or not. Every stored attempt is announced exactly once.
"""

from __future__ import annotations

import threading

from django.db import connections

from proctoring import signals

# Attempts announced at once (analytics.minutes recounts 500 per transaction).
BATCH = 500


class Announcer:
    """`append(pk)` per stored attempt (from any thread); `close()` at the end of the pass
    sends what is left and waits for the thread. `pks` is every pk appended."""

    def __init__(self, batch: int | None = None, *, in_background: bool = True):
        self.batch = batch or BATCH
        self.in_background = in_background
        self.pks: list[int] = []
        self._announced = 0
        self._condition = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None

    def append(self, pk: int) -> None:
        with self._condition:
            self.pks.append(pk)
            if not self.in_background or len(self.pks) - self._announced < self.batch:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="evidence-figures")
                self._thread.start()
            self._condition.notify()

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify()
            thread = self._thread
        if thread is not None:
            thread.join()
        rest = self._take(everything=True)  # no thread, or it stopped part way
        if rest:
            signals.announce(signals.evidence_changed, attempt_ids=rest)

    def _take(self, everything: bool) -> list[int]:
        with self._condition:
            end = len(self.pks) if everything else self._announced + self.batch
            chunk = self.pks[self._announced : end]
            self._announced += len(chunk)
            return chunk

    def _run(self) -> None:
        try:
            while True:
                with self._condition:
                    while not self._closed and len(self.pks) - self._announced < self.batch:
                        self._condition.wait()
                    if self._closed:
                        return  # close() sends the rest from the pass's own thread
                chunk = self._take(everything=False)
                signals.announce(signals.evidence_changed, attempt_ids=chunk)
        finally:
            connections.close_all()  # this thread's own connection
