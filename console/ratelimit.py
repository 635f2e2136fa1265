"""How many API console requests one user may send: 30 a minute.

Every console call reaches AutoProctor with the account's credentials, and AutoProctor
rate-limits the account as a whole, so a user clicking "send" in a loop would slow down the
worker's sync too. The count lives in Django's cache, one counter per user per calendar minute
(without REDIS_URL the cache is in memory and counts per web process; with it, Redis counts
across all of them).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache

REQUESTS_PER_MINUTE = 30
WINDOW_SECONDS = 60

# The time source, replaceable in tests so a test never straddles two windows.
clock = time.time


@dataclass(frozen=True)
class Allowance:
    allowed: bool
    used: int  # requests counted in this minute, this one included
    limit: int
    retry_after: int  # seconds until the next minute starts and the count begins again


def spend(user: AbstractBaseUser, cost: int = 1) -> Allowance:
    """Count `cost` requests for `user` and say whether they stay within the limit."""
    now = clock()
    window = int(now // WINDOW_SECONDS)
    key = f"console-requests:{user.pk}:{window}"
    # Kept a little longer than the window, so a slow request never restarts a counter.
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        used = cache.incr(key, cost)
    except ValueError:  # expired between add() and incr()
        cache.set(key, cost, timeout=WINDOW_SECONDS * 2)
        used = cost
    retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
    return Allowance(
        allowed=used <= REQUESTS_PER_MINUTE,
        used=used,
        limit=REQUESTS_PER_MINUTE,
        retry_after=retry_after,
    )
