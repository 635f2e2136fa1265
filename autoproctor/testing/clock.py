"""The simulator's clock: real time (or, frozen, no time at all) plus what `advance()` adds.

Everything time-dependent in the simulator reads this clock — the data timeline (attempts being
submitted, evidence finishing processing), the lifetime of temporary URLs and the 60-second
signature window — so a test can jump minutes ahead without sleeping. A client that should move
with the simulator is given the same clock's `now` as its own clock.

A frozen clock stands still between `advance()` calls, so nothing in the data changes while a
slow test runs on a busy machine; the test fixtures use one. The demo's clock runs.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class SimClock:
    """Seconds since the epoch (float), starting at `start` (default: the real time now)."""

    def __init__(self, start: float | None = None, *, frozen: bool = False, source=time.time):
        real_now = source()
        self._source = (lambda: real_now) if frozen else source
        self.frozen = frozen
        self._lock = threading.Lock()
        self._offset = 0.0 if start is None else float(start) - real_now
        self.started_at = real_now + self._offset

    def now(self) -> float:
        return self._source() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward (or back, with a negative number); return the new time."""
        with self._lock:
            self._offset += float(seconds)
        return self.now()

    def __repr__(self):
        return f"SimClock(now={self.now():.3f}{', frozen' if self.frozen else ''})"


def iso_utc(timestamp: float, *, millis: bool = False) -> str:
    """ISO-8601 in UTC with a `Z`: microseconds like the API's attempts, or milliseconds like
    the JavaScript `toISOString()` the browser SDK stamps evidence with."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds" if millis else "microseconds")[:-6] + "Z"
