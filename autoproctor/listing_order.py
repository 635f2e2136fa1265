"""Which way the results listing runs, told from the attempts on one of its pages.

AutoProctor does not document the listing's order (docs: "assumed newest first"). A pass that
reads only the listing's young end must know where that end is, and must know when there is
none: a listing sorted on something other than time (a database key, the hashed id) has new
attempts on every page, and reading only one end of it would miss them silently.

The direction is read from the start times and, failing those, the submission times: a page
whose consecutive times fall (or rise) at least AGREEMENT of the time is newest (oldest)
first; a page on which neither does is UNORDERED. Ties and missing times say nothing; a page
with no two different times of a kind says "" (cannot tell) for that kind. A listing truly
sorted by either time never looks unordered, whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import pairwise

DESCENDING, ASCENDING, UNORDERED = "descending", "ascending", "unordered"
AGREEMENT = 0.9


def listing_direction(attempts: Iterable) -> str:
    """DESCENDING, ASCENDING, UNORDERED, or "" when the attempts cannot tell."""
    attempts = list(attempts)
    by_start = _direction(attempt.started_at for attempt in attempts)
    if by_start in (DESCENDING, ASCENDING):
        return by_start
    by_submission = _direction(attempt.submitted_at for attempt in attempts)
    if by_submission in (DESCENDING, ASCENDING):
        return by_submission
    # Unordered only when both times say so: attempts submitted at one moment (a batch) tie on
    # submission, and their start times then say nothing about the listing's order.
    return UNORDERED if by_start == by_submission == UNORDERED else ""


def _direction(times: Iterable[datetime | None]) -> str:
    known = [time for time in times if time is not None]
    pairs = [(earlier, later) for earlier, later in pairwise(known) if earlier != later]
    if not pairs:
        return ""
    falling = sum(earlier > later for earlier, later in pairs) / len(pairs)
    if falling >= AGREEMENT:
        return DESCENDING
    if 1 - falling >= AGREEMENT:
        return ASCENDING
    return UNORDERED
