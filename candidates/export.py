"""A candidate's copy of their data (right of access): one ZIP with everything held about an
email address, for `export_candidate` and the report's button.

Built as the case file is (proctoring.zip_manifest, proctoring.evidence_fetch): streamed, each
attempt's members made only when the stream reaches them, evidence files fetched a few ahead
and passed on in chunks, and MANIFEST.sha256 last. Every table is JSON: it reads as text,
loads into any tool, and no spreadsheet runs a cell of it as a formula. Reviewers are named
by role unless CANDIDATE_EXPORT_REVIEWER_NAMES is set. Legal holds do not stop it: a hold
keeps data, it does not hide it from the person it is about.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from zipstream import ZipStream

from access.roles import PROCTOR, TEST_ADMIN
from audit.services import audit_record
from candidates.models import CandidateResponse, ResponseLink
from proctoring.evidence_fetch import AttemptFiles
from proctoring.models import Attempt, EvidenceRecord
from proctoring.zip_manifest import ManifestedZip, json_bytes, safe_name
from review.context_notes import key_of
from review.models import ContextKind, ContextNote, EvidenceDismissal, ReviewNote, VerdictChange

EXPORT = "candidate.export"

README = """\
A copy of the personal data held about {email}
Made {made} by {made_by}, from the proctoring dashboard of the organisation that ran the
test(s). It holds {count} test attempt(s), each in its own folder under attempts/, numbered
from the earliest (001-<attempt id>; attempt-as-stored.json gives the id in full).

In each attempt's folder:

attempt-as-received.json  The attempt exactly as the proctoring service (AutoProctor) sent it.
attempt-as-stored.json    What the dashboard keeps of it: the test, your name and email, when
                          you started and submitted, the trust score (0 to 1, higher means
                          fewer signs of a problem) and the number of violations recorded.
evidence-records.json     Every event recorded during the attempt (for example a face not
                          seen, a tab switched, noise heard): its label, time and device, as
                          sent and as stored, and the name of its file in evidence/ if any.
evidence/                 The photos, screenshots and audio clips recorded, as stored.
unavailable.txt           Files that could not be fetched for this copy, and why (empty when
                          every file is here).
verdicts.json             Every decision a reviewer took about the attempt, oldest first: the
                          verdict, the reason given, and who took it ({who}).
notes.json                Reviewers' notes written about the attempt or one of its events.
dismissals.json           Events a reviewer decided should not count against you, with why.
response.json             Your response, if you sent one through a response link, and the
                          links made for you (when, until when, whether withdrawn).

context-notes.json        Notes reviewers keep about you across all your attempts (for example
                          an approved accommodation).
MANIFEST.sha256           A fingerprint (SHA-256) of every other file, to show nothing was
                          changed: check it with `sha256sum -c MANIFEST.sha256`.

Times are in UTC (ISO 8601, ending in Z).
"""


def iso(moment) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def candidate_attempts(email: str):
    """Every attempt with this email, in any case (as erase_candidate finds them)."""
    return Attempt.objects.filter(candidate_email__iexact=email.strip()).order_by(
        "started_at", "pk"
    )


def candidate_export_name(email: str) -> str:
    return f"data-of-{safe_name(email)}.zip"


class Reviewers:
    """Who a reviewer was, as the copy names them: their role, or their name when the
    organisation chose names (CANDIDATE_EXPORT_REVIEWER_NAMES). One query per reviewer."""

    def __init__(self) -> None:
        self.roles: dict[int | None, str] = {None: "A reviewer"}

    def name(self, user_id: int | None, name: str) -> str:
        if settings.CANDIDATE_EXPORT_REVIEWER_NAMES:
            return name
        if user_id not in self.roles:
            user = get_user_model().objects.filter(pk=user_id).first()
            groups = set(user.groups.values_list("name", flat=True)) if user else set()
            if TEST_ADMIN in groups:
                self.roles[user_id] = TEST_ADMIN
            elif PROCTOR in groups:
                self.roles[user_id] = PROCTOR
            else:
                self.roles[user_id] = (
                    "Administrator" if user and user.is_superuser else "A reviewer"
                )
        return self.roles[user_id]


def _stored(attempt: Attempt) -> dict:
    return {
        "attempt_id": attempt.test_attempt_id,
        "test": attempt.lookup_key,
        "name": attempt.candidate_name,
        "email": attempt.candidate_email,
        "started_at": iso(attempt.started_at),
        "submitted_at": iso(attempt.submitted_at),
        "trust_score": attempt.trust_score,
        "violations_recorded": attempt.violation_count,
        "evidence_status": attempt.evidence_status,
        "device": attempt.device,
        "first_seen_at": iso(attempt.first_seen_at),
        "last_synced_at": iso(attempt.last_synced_at),
    }


def _file_name(record: EvidenceRecord) -> str:
    suffix = safe_name(PurePosixPath(record.s3_path or "").suffix[:10]).lstrip("-")
    name = f"{record.device}-{record.position:04d}-{record.pk}-{safe_name(record.label)}"
    return f"evidence/{name}.{suffix.lstrip('.')}" if suffix != "unnamed" else f"evidence/{name}"


def _add_attempt(archive: ManifestedZip, attempt: Attempt, folder: str, who: Reviewers) -> None:
    records = list(
        attempt.evidence_records.order_by("occurred_at", "recorded_at", "device", "position", "pk")
    )
    with_file = [record for record in records if record.has_file]
    files = AttemptFiles(attempt, with_file)
    failures: list[str] = []

    def evidence_records() -> bytes:
        return json_bytes(
            [
                {
                    "label": record.label,
                    "is_violation": record.is_violation,
                    "occurred_at": iso(record.occurred_at),
                    "device": record.device,
                    "kind": record.data_type,
                    "file": _file_name(record) if record.has_file else None,
                    "as_received": record.raw,
                }
                for record in records
            ]
        )

    def verdicts() -> bytes:
        changes = VerdictChange.objects.filter(attempt=attempt).order_by("at", "id")
        return json_bytes(
            [
                {
                    "at": iso(change.at),
                    "verdict": change.get_verdict_display(),
                    "previous_verdict": change.get_previous_verdict_display(),
                    "reason": change.full_reason,
                    "by": who.name(change.reviewer_id, change.reviewer_name),
                }
                for change in changes
            ]
        )

    def notes() -> bytes:
        rows = ReviewNote.objects.filter(attempt=attempt).order_by("at", "id")
        return json_bytes(
            [
                {
                    "at": iso(note.at),
                    "by": who.name(note.author_id, note.author_name),
                    "about_event": note.label or None,
                    "event_at": iso(note.occurred_at),
                    "text": note.text,
                }
                for note in rows
            ]
        )

    def dismissals() -> bytes:
        rows = EvidenceDismissal.objects.filter(attempt=attempt).order_by("at", "id")
        return json_bytes(
            [
                {
                    "at": iso(row.at),
                    "by": who.name(row.dismissed_by_id, row.dismissed_by_name),
                    "event": row.label,
                    "event_at": iso(row.occurred_at),
                    "reason": row.reason,
                }
                for row in rows
            ]
        )

    def response() -> bytes:
        answer = CandidateResponse.objects.filter(attempt=attempt).first()
        links = ResponseLink.objects.filter(attempt=attempt).order_by("created_at", "id")
        return json_bytes(
            {
                "response": {"received_at": iso(answer.received_at), "text": answer.text}
                if answer
                else None,
                "links": [
                    {
                        "made_at": iso(link.created_at),
                        "open_until": iso(link.expires_at),
                        "withdrawn_at": iso(link.revoked_at),
                    }
                    for link in links
                ],
            }
        )

    archive.add(f"{folder}/attempt-as-received.json", lambda: json_bytes(attempt.raw))
    archive.add(f"{folder}/attempt-as-stored.json", lambda: json_bytes(_stored(attempt)))
    archive.add(f"{folder}/evidence-records.json", evidence_records)
    for record in with_file:
        name = f"{folder}/{_file_name(record)}"
        archive.add(
            name,
            lambda record=record, name=name: files.chunks(record, failures, name),
            stored=True,
        )
    archive.add(
        f"{folder}/unavailable.txt", lambda: "".join(f"{line}\n" for line in failures).encode()
    )
    archive.add(f"{folder}/verdicts.json", verdicts)
    archive.add(f"{folder}/notes.json", notes)
    archive.add(f"{folder}/dismissals.json", dismissals)
    archive.add(f"{folder}/response.json", response)


def candidate_export_stream(
    email: str, *, user: AbstractBaseUser | None, by: str = ""
) -> ZipStream:
    """The ZIP of everything held about `email`, audited once per attempt it holds (before the
    first byte). `user` made it (None: `by`, e.g. a command)."""
    made_by = user.get_username() if user is not None else by
    attempts = list(candidate_attempts(email))
    for attempt in attempts:
        audit_record(
            user=user,
            actor="" if user is not None else by,
            action=EXPORT,
            attempt=attempt,
            summary=f"Exported the candidate's data ({len(attempts)} attempt(s))",
            detail={"attempts": len(attempts)},
        )
    archive = ManifestedZip()
    readme = README.format(
        email=email.strip(),
        made=iso(timezone.now()),
        made_by=made_by,
        count=len(attempts),
        who="their name"
        if settings.CANDIDATE_EXPORT_REVIEWER_NAMES
        else "named by role, e.g. Proctor or Test admin",
    )
    archive.add("README.txt", lambda: readme.encode())
    who = Reviewers()
    for number, attempt in enumerate(attempts, start=1):
        # Numbered, so two attempt ids that read alike once made safe never share a folder.
        folder = f"attempts/{number:03d}-{safe_name(attempt.test_attempt_id)}"
        _add_attempt(archive, attempt, folder, who)
    key = key_of(attempts[0], ContextKind.CANDIDATE) if attempts else email.strip().lower()
    archive.add("context-notes.json", lambda: _context_notes(key, who))
    return archive.finish()


def _context_notes(key: str, who: Reviewers) -> Iterator[bytes]:
    notes = ContextNote.objects.filter(kind=ContextKind.CANDIDATE, key=key).order_by("at", "id")
    yield json_bytes(
        [
            {
                "at": iso(note.at),
                "by": who.name(note.author_id, note.author_name),
                "text": note.text,
            }
            for note in notes
        ]
    )
