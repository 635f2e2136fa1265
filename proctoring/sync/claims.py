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
from collections.abc import Iterator, Sequence
from datetime import datetime

from django.db import DatabaseError, connection
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


def claim_attempts(pks: list[int]) -> tuple[datetime, set[int]]:
    """Claim these attempts with one statement, like claim_attempt; (the token, the pks
    claimed)."""
    now = timezone.now()
    claim = now + lease_duration()
    table = connection.ops.quote_name(Attempt._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    marks = ", ".join(["%s"] * len(pks))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET evidence_claimed_until = %s WHERE id IN ({marks}) "  # noqa: S608 (model metadata)
            "AND evidence_fetched_at IS NULL "
            "AND (evidence_claimed_until IS NULL OR evidence_claimed_until < %s) RETURNING id",
            [adapt(claim), *pks, adapt(now)],
        )
        return claim, {pk for (pk,) in cursor.fetchall()}


class ClaimBook:
    """The claims this pass holds: {attempt pk: token}. A worker thread reads its token inside
    `held(pk)`, which keeps the heartbeat from moving that one claim until the write is done."""

    def __init__(self, upcoming: Sequence[int] = (), chunk: int = 1):
        """`upcoming`: the pks the pass will claim, in its order, claimed `chunk` at a time."""
        self._tokens: dict[int, datetime] = {}
        self._locks: dict[int, threading.Lock] = {}
        self._book_lock = threading.Lock()
        self._upcoming = list(upcoming) if chunk > 1 else []
        self._position = {pk: index for index, pk in enumerate(self._upcoming)}
        self._tried: set[int] = set()
        self._chunk = chunk
        self._chunk_lock = threading.Lock()

    def claim(self, pk: int) -> bool:
        if pk in self._position:
            return self._claim_ahead(pk)
        token = claim_attempt(pk)
        if token is None:
            return False
        self._hold({pk}, token)
        return True

    def _claim_ahead(self, pk: int) -> bool:
        """Claim pk with the next attempts of the queue, unless an earlier chunk tried it."""
        with self._chunk_lock:
            if pk not in self._tried:
                start = self._position[pk]
                ahead = self._upcoming[start : start + self._chunk]
                chunk = [p for p in ahead if p not in self._tried]
                token, claimed = claim_attempts(chunk)
                self._tried.update(chunk)
                self._hold(claimed, token)
        with self._book_lock:
            return pk in self._tokens

    def _hold(self, pks: set[int], token: datetime) -> None:
        with self._book_lock:
            for pk in pks:
                self._tokens[pk] = token
                self._locks[pk] = threading.Lock()

    @contextlib.contextmanager
    def held(self, pk: int) -> Iterator[datetime]:
        """The claim's current token, then forget the claim: every write through a token
        ends the claim (stored, failed, released or not ready)."""
        with self._locks[pk]:
            yield self._tokens[pk]
            with self._book_lock:
                del self._tokens[pk]
                del self._locks[pk]

    @contextlib.contextmanager
    def locked(self, pks: list[int]) -> Iterator[dict[int, datetime]]:
        """{pk: token} of these claims, none moved by the heartbeat until the block ends.
        The claims stay in the book: `forget` those the block wrote through."""
        with contextlib.ExitStack() as stack:
            for pk in sorted(pks):
                stack.enter_context(self._locks[pk])
            yield {pk: self._tokens[pk] for pk in pks}

    def forget(self, pks: list[int]) -> None:
        with self._book_lock:
            for pk in pks:
                del self._tokens[pk]
                del self._locks[pk]

    def release_all(self) -> None:
        """Free every claim still held (attempts the pass did not get to)."""
        with self._book_lock:
            held = list(self._tokens.items())
        for pk, token in held:
            with contextlib.suppress(DatabaseError):
                Attempt.objects.filter(pk=pk, evidence_claimed_until=token).update(
                    evidence_claimed_until=None
                )
        with self._book_lock:
            self._tokens.clear()
            self._locks.clear()

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
            self.release_all()
