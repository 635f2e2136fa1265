"""Placing and releasing legal holds, each with its reason and its audit event, together."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from proctoring.models import Attempt
from retention.models import LegalHold

HOLD_PLACE = "hold.place"
HOLD_RELEASE = "hold.release"


def hold_place(
    *, user: AbstractBaseUser, reason: str, attempt: Attempt | None = None, lookup_key: str = ""
) -> LegalHold:
    """Hold one attempt or one test (lookup_key) out of every retention policy."""
    with transaction.atomic():
        hold = LegalHold.objects.create(
            attempt=attempt,
            lookup_key="" if attempt else lookup_key,
            reason=reason,
            placed_by=user,
            placed_by_name=user.get_username(),
        )
        audit_record(
            user=user,
            action=HOLD_PLACE,
            attempt=attempt,
            summary=f"Legal hold on {hold.target}: {reason}",
            detail={"hold": hold.pk, "lookup_key": hold.lookup_key},
        )
    return hold


def hold_release(*, user: AbstractBaseUser, hold: LegalHold, reason: str) -> LegalHold:
    """End a hold: from now on the retention policies apply to what it kept."""
    with transaction.atomic():
        hold.released_at = timezone.now()
        hold.released_by_name = user.get_username()
        hold.release_reason = reason
        hold.save(update_fields=["released_at", "released_by_name", "release_reason"])
        audit_record(
            user=user,
            action=HOLD_RELEASE,
            attempt=hold.attempt,
            summary=f"Released the legal hold on {hold.target}: {reason}",
            detail={"hold": hold.pk, "lookup_key": hold.lookup_key},
        )
    return hold
