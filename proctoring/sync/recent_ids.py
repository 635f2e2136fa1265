"""The attempt ids a results pass handled on its last few pages, so that an attempt pushed
from one page onto the next while the listing grows is stored and counted once.

An attempt moves on by as many places as attempts were added to the listing's young end
between two page reads, a page at most in practice; remembering every id of the pass would
cost about 100 bytes an attempt (some 170 MB for an unpaged answer of 1.7 million attempts),
so only the last KEPT_PAGES pages' ids are kept.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

KEPT_PAGES = 8


class RecentIds:
    """`id in recent` after `recent.update(page_ids)`, for the last `pages` updates."""

    def __init__(self, pages: int = KEPT_PAGES):
        self._pages: deque[frozenset[str]] = deque(maxlen=pages)

    def __contains__(self, test_attempt_id: object) -> bool:
        return any(test_attempt_id in page for page in self._pages)

    def update(self, ids: Iterable[str]) -> None:
        self._pages.append(frozenset(ids))
