"""Leases: named locks with an expiry, kept in the database so every worker machine sees them.

A lease is taken with one conditional statement (an INSERT of a new row, or an UPDATE of a row
whose lease has expired), so exactly one of two racing workers gets it on SQLite and on
PostgreSQL alike. Leases are short (SYNC_LEASE_SECONDS) and a live holder keeps them with a
heartbeat, a thread that renews them several times per lease: a worker killed outright
(kill -9, out of memory, a redeploy) stops beating, and its lease is free within one lease.
"""

from __future__ import annotations

import logging
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.utils import timezone

from proctoring.models import SyncLease
from proctoring.sync.runs import process_exists, worker_name

logger = logging.getLogger("proctoring.sync")

# Beats per lease: a holder survives a few missed beats (a busy database) before losing it.
BEATS_PER_LEASE = 4


def lease_duration() -> timedelta:
    return timedelta(seconds=settings.SYNC_LEASE_SECONDS)


class LeaseLost(Exception):
    """The lease expired while this pass was still working and another pass took it."""


class Lease:
    """A lease this process holds. Renew it while working; release it when done."""

    def __init__(self, name: str, holder: str):
        self.name = name
        self.holder = holder

    def renew(self) -> bool:
        """Extend the lease; False when it was lost (it expired and someone else took it)."""
        return bool(
            SyncLease.objects.filter(name=self.name, holder=self.holder).update(
                expires_at=timezone.now() + lease_duration()
            )
        )

    def release(self) -> None:
        SyncLease.objects.filter(name=self.name, holder=self.holder).delete()


def acquire(name: str) -> Lease | None:
    """The lease if it is free (or its holder's has expired, or its holder was a process on
    this machine that no longer exists), else None."""
    now = timezone.now()
    holder = f"{worker_name()}:{uuid.uuid4().hex[:8]}"
    expires_at = now + lease_duration()
    taken_over = SyncLease.objects.filter(name=name, expires_at__lte=now).update(
        holder=holder, expires_at=expires_at
    ) or _take_from_dead_holder(name, holder, expires_at)
    if taken_over:
        return Lease(name, holder)
    try:
        with transaction.atomic():
            SyncLease.objects.create(name=name, holder=holder, expires_at=expires_at)
    except IntegrityError:
        return None
    return Lease(name, holder)


def _take_from_dead_holder(name: str, holder: str, expires_at) -> int:
    """A holder on this machine (host:pid:token) whose process is gone was killed: its lease
    is taken at once instead of after it expires. Conditional on the same holder, so two
    workers racing for it cannot both win."""
    lease = current_holder(name)
    if lease is None:
        return 0
    host, _, rest = lease.holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or process_exists(pid):
        return 0
    return SyncLease.objects.filter(name=name, holder=lease.holder).update(
        holder=holder, expires_at=expires_at
    )


def current_holder(name: str) -> SyncLease | None:
    return SyncLease.objects.filter(name=name).first()


class Heartbeat:
    """Calls `beat` every `interval` seconds in a thread of its own until stopped.

    `beat` returns False when what it keeps was lost; `lost` is then set and the beating stops,
    for the worker to notice at its next check. A database error skips one beat (the lease has
    room for several) instead of ending the pass.
    """

    def __init__(self, beat: Callable[[], bool], interval: float | None = None):
        self._beat = beat
        self.interval = interval or settings.SYNC_LEASE_SECONDS / BEATS_PER_LEASE
        self.lost = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sync-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stopping.wait(self.interval):
                try:
                    if not self._beat():
                        self.lost.set()
                        return
                except DatabaseError as error:
                    logger.warning("Sync heartbeat skipped a beat: %s", error)
        finally:
            connections.close_all()  # this thread's own connections
