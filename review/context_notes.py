"""Notes that apply beyond one attempt: a test's (by lookup key) and a candidate's (by email).

A reviewer judging one attempt needs what is known about the test ("a calculator is allowed")
and the candidate ("approved accommodation: a reader in the room"); test admins write these
once, and every report and the queue show them wherever the test or the email matches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet

from audit.services import audit_record
from proctoring.models import Attempt
from review.models import ContextKind, ContextNote

CONTEXT_NOTE_ADD = "context_note.add"


class NoKey(ValueError):
    """The attempt has no lookup key (or no email), so there is nothing to attach the note to."""


def key_of(attempt: Attempt, kind: str) -> str:
    """The key a note of `kind` about `attempt` is kept under ("" when the attempt has none).
    Emails are compared in lower case: the same person may be typed either way."""
    if kind == ContextKind.TEST:
        return attempt.lookup_key or ""
    return (attempt.candidate_email or "").strip().lower()


def add_context_note(
    *, user: AbstractBaseUser, attempt: Attempt, kind: str, text: str
) -> ContextNote:
    """A note for every attempt of `attempt`'s test or candidate (`kind`), audited against the
    attempt it was written from. NoKey when the attempt has no lookup key or email."""
    key = key_of(attempt, kind)
    if not key:
        what = "test (lookup key)" if kind == ContextKind.TEST else "email"
        raise NoKey(f"This attempt has no {what}, so a note cannot follow it; nothing was saved.")
    with transaction.atomic():
        note = ContextNote.objects.create(
            kind=kind, key=key, text=text, author=user, author_name=user.get_username()
        )
        audit_record(
            user=user,
            action=CONTEXT_NOTE_ADD,
            attempt=attempt,
            summary=f"{note.get_kind_display()} for {key}: {text}",
            detail={"note": note.pk, "kind": kind, "key": key, "text": text},
        )
    return note


def context_notes_for(attempts: Iterable[Attempt]) -> dict[int, list[ContextNote]]:
    """{attempt id: its test's and candidate's notes, oldest first} for `attempts`, in one
    query whatever their number."""
    attempts = list(attempts)
    tests = {key_of(attempt, ContextKind.TEST) for attempt in attempts} - {""}
    emails = {key_of(attempt, ContextKind.CANDIDATE) for attempt in attempts} - {""}
    if not tests and not emails:
        return {attempt.pk: [] for attempt in attempts}
    notes = ContextNote.objects.filter(
        Q(kind=ContextKind.TEST, key__in=tests) | Q(kind=ContextKind.CANDIDATE, key__in=emails)
    ).order_by("at", "id")
    by_key = defaultdict(list)
    for note in notes:
        by_key[(note.kind, note.key)].append(note)
    return {
        attempt.pk: [
            *by_key[(ContextKind.TEST, key_of(attempt, ContextKind.TEST))],
            *by_key[(ContextKind.CANDIDATE, key_of(attempt, ContextKind.CANDIDATE))],
        ]
        for attempt in attempts
    }


def candidate_notes_delete(*, emails: Iterable[str]) -> int:
    """Delete the candidate notes kept under these emails: the candidate's attempts were all
    erased (a retention policy or their request), and a note under their address would
    otherwise show on any later attempt with it. History is append-only for people; erasure
    is the one thing that removes it. Returns the notes deleted."""
    keys = {email.strip().lower() for email in emails} - {""}
    if not keys:
        return 0
    # A plain QuerySet: the append-only manager refuses deletes on purpose.
    notes = QuerySet(ContextNote).filter(kind=ContextKind.CANDIDATE, key__in=keys)
    return notes.delete()[0]
