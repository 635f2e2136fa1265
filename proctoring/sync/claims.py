"""The evidence claims one pass holds, kept alive by a heartbeat.

An attempt is claimed with a conditional UPDATE of evidence_claimed_until (now + a short lease),
so two passes (a slow run and the next schedule, or two machines) never work on one attempt.
The claim's time is its token: every later write of the pass is conditional on it, so a claim
the results pass voided (the attempt changed) or another worker took over is never written
through. While the pass works, one heartbeat moves every claim it holds forward; a pass killed
outright holds its attempts for at most SYNC_LEASE_SECONDS.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from proctoring.models import Attempt
from proctoring.sync.leases import Heartbeat, lease_duration


def claim_attempt(pk: int) -> datetime | None:
    """Claim the attempt until now + lease; the claim's time is its token. None: taken."""
    now = timezone.now()
    claim = now + lease_duration()
    claimed = (
        Attempt.objects.filter(pk=pk, evidence_fetched_at__isnull=True)
        .filter(Q(evidence_claimed_until__isnull=True) | Q(evidence_claimed_until__lt=now))
        .update(evidence_claimed_until=claim)
    )
    return claim if claimed else None


class ClaimBook:
    """The claims this pass holds: {attempt pk: token}. A worker thread reads its token inside
    `held(pk)`, which keeps the heartbeat from moving that one claim until the write is done."""

    def __init__(self):
        self._tokens: dict[int, datetime] = {}
        self._locks: dict[int, threading.Lock] = {}
        self._book_lock = threading.Lock()

    def claim(self, pk: int) -> bool:
        token = claim_attempt(pk)
        if token is None:
            return False
        with self._book_lock:
            self._tokens[pk] = token
            self._locks[pk] = threading.Lock()
        return True

    @contextlib.contextmanager
    def held(self, pk: int) -> Iterator[datetime]:
        """The claim's current token, then forget the claim: every write through a token
        ends the claim (stored, failed, released or not ready)."""
        with self._locks[pk]:
            yield self._tokens[pk]
            with self._book_lock:
                del self._tokens[pk]
                del self._locks[pk]

    def renew(self) -> bool:
        """Move every claim still held forward by one lease. A claim someone else voided
        stays as it was: its owner's conditional write will find it gone."""
        with self._book_lock:
            held = list(self._locks.items())
        for pk, lock in held:
            with lock:
                token = self._tokens.get(pk)
                if token is None:
                    continue
                renewed = timezone.now() + lease_duration()
                if Attempt.objects.filter(pk=pk, evidence_claimed_until=token).update(
                    evidence_claimed_until=renewed
                ):
                    self._tokens[pk] = renewed
        return True

    @contextlib.contextmanager
    def kept_alive(self) -> Iterator[ClaimBook]:
        heartbeat = Heartbeat(self.renew).start()
        try:
            yield self
        finally:
            heartbeat.stop()
