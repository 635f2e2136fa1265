"""Leases: named locks with an expiry, kept in the database so every worker machine sees them.

A lease is taken with one conditional statement (an INSERT of a new row, or an UPDATE of a row
whose lease has expired), so exactly one of two racing workers gets it on SQLite and on
PostgreSQL alike. A worker that dies holding a lease holds it only until it expires.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from proctoring.models import SyncLease
from proctoring.sync.runs import worker_name


def lease_duration() -> timedelta:
    return timedelta(seconds=settings.SYNC_LEASE_SECONDS)


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
    """The lease if it is free (or its holder's has expired), else None."""
    now = timezone.now()
    holder = f"{worker_name()}:{uuid.uuid4().hex[:8]}"
    expires_at = now + lease_duration()
    taken_over = SyncLease.objects.filter(name=name, expires_at__lte=now).update(
        holder=holder, expires_at=expires_at
    )
    if taken_over:
        return Lease(name, holder)
    try:
        with transaction.atomic():
            SyncLease.objects.create(name=name, holder=holder, expires_at=expires_at)
    except IntegrityError:
        return None
    return Lease(name, holder)


def current_holder(name: str) -> SyncLease | None:
    return SyncLease.objects.filter(name=name).first()
