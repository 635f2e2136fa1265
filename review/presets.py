"""Common reasons: the built-in ones, and those test admins add for every test or for one.

Choosing one on the verdict form fills the reason, which stays the reviewer's to edit
(static/js/review.js); c, s or v followed by a digit picks one from the keyboard.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from audit.services import audit_record
from autoproctor.storable import storable_text
from review.models import ReasonPreset
from review.refusals import ReviewRefused

BUILT_IN = [
    "false positive: noisy room",
    "false positive: allowed material (calculator, notes)",
    "camera or connection problem",
    "another person in the room",
    "phone or second screen in use",
    "left the test repeatedly",
]
PRESET_ADD = "preset.add"
PRESET_REMOVE = "preset.remove"


def presets_for(lookup_key: str | None = None) -> list[str]:
    """The common reasons offered for an attempt of test `lookup_key` (None: those for every
    test only, as on the bulk form): built-in, then every test's, then the test's own."""
    rows = ReasonPreset.objects.filter(lookup_key="")
    if lookup_key:
        rows = ReasonPreset.objects.filter(lookup_key__in=["", lookup_key])
    added = [row.text for row in rows.order_by("-lookup_key", "added_at", "pk")]
    seen, found = set(), []
    for text in [*BUILT_IN, *added]:
        if text not in seen:
            seen.add(text)
            found.append(text)
    return found


def add_preset(*, user: AbstractBaseUser, text: str, lookup_key: str = "") -> ReasonPreset:
    # A NUL cannot be stored in PostgreSQL's text: replaced, as in the other reasons.
    text = storable_text(text.strip())
    if not text:
        raise ReviewRefused("Write the reason first; nothing was added.")
    if text in BUILT_IN:
        raise ReviewRefused(f"“{text}” is already one of the built-in reasons.")
    try:
        with transaction.atomic():
            preset = ReasonPreset.objects.create(
                text=text, lookup_key=lookup_key, added_by=user, added_by_name=user.get_username()
            )
            audit_record(
                user=user,
                action=PRESET_ADD,
                summary=f"Common reason for {lookup_key or 'every test'}: {text}",
                detail={"text": text, "lookup_key": lookup_key},
            )
    except IntegrityError:
        raise ReviewRefused(
            f"“{text}” is already a common reason for {lookup_key or 'every test'}."
        ) from None
    return preset


def remove_preset(*, user: AbstractBaseUser, preset_id: int) -> bool:
    with transaction.atomic():
        preset = ReasonPreset.objects.filter(pk=preset_id).first()
        if preset is None:
            return False
        preset.delete()
        audit_record(
            user=user,
            action=PRESET_REMOVE,
            summary=f"Removed the common reason for {preset.lookup_key or 'every test'}: "
            f"{preset.text}",
            detail={"text": preset.text, "lookup_key": preset.lookup_key},
        )
    return True
