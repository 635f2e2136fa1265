"""What an erasure removes beyond the attempt itself: the person's email and name wherever
the product copied them.

- The audit entries about the erased attempts (a verdict's summary names the candidate) lose
  the name and email.
- Once no attempt holds the email any more (an attempt under a legal hold still does), the
  person is gone: their candidate notes (kept under their email, and shown on any later
  attempt with it) are deleted, and every other audit entry (a note's, a CSV export whose
  search named them) loses the email and the name.
- Listeners of `proctoring.signals.candidates_erased` do the same for what they keep:
  notification events and webhook deliveries, the API console's memory in sessions.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from audit.models import AuditEvent
from proctoring import signals
from proctoring.models import Attempt
from proctoring.redaction import mentioning, needles_of, rewrite
from review.context_notes import candidate_notes_delete

AUDIT_TEXT = ["summary", "detail"]
EMAILS_PER_QUERY = 500


@dataclass(frozen=True)
class Person:
    """Who one attempt was, read before it is erased."""

    attempt_pk: int
    test_attempt_id: str
    email: str
    name: str


def people_of(attempt_ids: list[int]) -> list[Person]:
    return [
        Person(*row)
        for row in Attempt.objects.filter(pk__in=attempt_ids).values_list(
            "pk", "test_attempt_id", "candidate_email", "candidate_name"
        )
    ]


def forget(people: list[Person]) -> None:
    """Remove these people's emails and names beyond their (already erased) attempts."""
    forget_on_attempts(people)
    forget_everywhere(people)


def forget_on_attempts(people: list[Person]) -> None:
    """The audit entries about these people's attempts lose their names and emails (before a
    deletion: the entries would lose their link to the attempt)."""
    # Next to the attempt it belonged to, even a two-letter name is the person's.
    rewrite(
        AuditEvent.objects.filter(attempt_id__in=[person.attempt_pk for person in people]),
        AUDIT_TEXT,
        needles_of(((person.email, person.name) for person in people), shortest=1),
    )


def forget_everywhere(people: list[Person]) -> None:
    """For the people no attempt holds any more: their candidate notes go, and their email
    and name leave every audit entry and whatever the signal's listeners keep."""
    if not people:
        return
    gone = _no_longer_kept(people)
    needles = needles_of((person.email, person.name) for person in gone)
    if gone:
        candidate_notes_delete(emails=[person.email for person in gone])
        rewrite(mentioning(AuditEvent.objects.all(), AUDIT_TEXT, needles), AUDIT_TEXT, needles)
    signals.announce(
        signals.candidates_erased,
        test_attempt_ids=[person.test_attempt_id for person in people],
        needles=needles,
    )


def _no_longer_kept(people: list[Person]) -> list[Person]:
    """The people whose email no attempt holds any more."""
    emails = sorted({person.email.strip().lower() for person in people} - {""})
    kept = set()
    for start in range(0, len(emails), EMAILS_PER_QUERY):
        kept |= _held(emails[start : start + EMAILS_PER_QUERY])
    return [person for person in people if person.email.strip().lower() not in kept]


def _held(emails: list[str]) -> set[str]:
    """Those of these (trimmed, lower-case) emails some attempt holds. Each is one probe of
    the attempts' folded-email index that stops at the first attempt found; asked as one
    filter over the whole list, PostgreSQL would rather read every email in the table."""
    table = connection.ops.quote_name(Attempt._meta.db_table)
    wanted = ", ".join(["(%s)"] * len(emails))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT column1 FROM (VALUES {wanted}) AS wanted WHERE EXISTS "  # noqa: S608 (model metadata)
            f"(SELECT 1 FROM {table} WHERE LOWER(TRIM(candidate_email)) = wanted.column1)",
            emails,
        )
        return {email for (email,) in cursor.fetchall()}
