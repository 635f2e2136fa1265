"""The case file of an attempt: one ZIP that stands on its own at an integrity hearing.

It holds the attempt and its evidence records as AutoProctor sent them (JSON), every evidence
file (fetched through presigned URLs, several at a time: evidence_fetch.py), a printable
report.html, the review history, notes, dismissals, the attempt's audit entries and the
candidate's response (CSV), a README.txt and MANIFEST.sha256, the SHA-256 of every other file
in `sha256sum -c` format.

The ZIP is streamed (zipstream-ng): each member is a generator read only when the stream
reaches it, and each member's hash is taken as its bytes pass, so the manifest, the last
member, is written without reading anything twice and nothing is held in memory but the chunk
in flight and the few evidence files fetched ahead. A test's case files are streamed the same
way as one ZIP holding one ZIP each.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import PurePosixPath

from django.template.loader import render_to_string
from django.utils import timezone
from zipstream import ZIP_STORED, ZipStream

from audit.models import AuditEvent
from candidates import selectors as candidate_selectors
from dashboard.bidi import escape_bidi, escape_bidi_html
from dashboard.export import iso_utc, neutralise
from proctoring import evidence_fetch
from proctoring.evidence_fetch import AttemptFiles, PresignAhead
from proctoring.models import Attempt, EvidenceRecord
from proctoring.zip_manifest import ManifestedZip, json_bytes, safe_name
from review.models import EvidenceDismissal, ReviewNote, ReviewState, VerdictChange

README = """\
Case file of attempt {attempt_id} ({candidate}), test {lookup_key}
Made {made} by {user}.

attempt.json            The attempt exactly as AutoProctor sent it (at the last sync).
evidence-records.json   Each evidence record exactly as AutoProctor sent it, in timeline order.
                        (The values are as sent; a database may store an object's keys in
                        another order.)
evidence/               Every evidence file, as AutoProctor's storage served it.
unavailable.txt         The evidence files that could not be fetched (left empty), and why.
report.html             A printable report: the attempt, its verdict and its timeline.
review-history.csv      Every verdict given to the attempt, oldest first.
notes.csv               Reviewers' notes, on the attempt or on one evidence record.
dismissals.csv          Evidence records reviewers judged not to count, with why.
audit.csv               Every audited action about this attempt, oldest first.
candidate-response.csv  The candidate's response through a response link, if they sent one.
MANIFEST.sha256         The SHA-256 of every other file: check with `sha256sum -c MANIFEST.sha256`.
"""


def _csv(rows: Iterable[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [[neutralise(cell) if isinstance(cell, str) else cell for cell in row] for row in rows]
    )
    return buffer.getvalue().encode()


def evidence_file_name(record: EvidenceRecord, *, distinct: str = "") -> str:
    """evidence/<device>-<position>-<label>[-<distinct>].<extension of the stored file>, so the
    file opens with a double click (`primary-0000-test-taker-photo.png`)."""
    extension = safe_name(PurePosixPath(record.s3_path or "").suffix[1:11])
    stem = f"{record.device}-{record.position:04d}-{safe_name(record.label)}"
    if distinct:
        stem = f"{stem}-{distinct}"
    return f"evidence/{stem}.{extension}" if extension != "unnamed" else f"evidence/{stem}"


def _members(
    attempt: Attempt, user_name: str, ahead: PresignAhead | None = None
) -> list[tuple[str, Callable]]:
    """(name, function giving the bytes) of every member but the manifest, in order."""
    records = list(
        attempt.evidence_records.order_by("occurred_at", "recorded_at", "device", "position", "pk")
    )
    with_file = [record for record in records if record.s3_path]
    files = AttemptFiles(attempt, with_file, ahead)  # fetched several at a time, in this order
    failures: list[str] = []

    def history():
        changes = VerdictChange.objects.filter(attempt=attempt).order_by("at", "id")
        yield _csv([["at", "verdict", "previous_verdict", "reviewer", "reason", "seen_trust"]])
        yield _csv(
            [iso_utc(c.at), c.verdict, c.previous_verdict, c.reviewer_name, c.full_reason,
             "" if c.seen_trust_score is None else f"{c.seen_trust_score * 100:.2f}"]
            for c in changes
        )  # fmt: skip

    def notes():
        rows = ReviewNote.objects.filter(attempt=attempt).order_by("at", "id")
        yield _csv([["at", "author", "device", "label", "occurred_at", "text"]])
        yield _csv(
            [iso_utc(n.at), n.author_name, n.device, n.label, iso_utc(n.occurred_at), n.text]
            for n in rows
        )

    def dismissals():
        rows = EvidenceDismissal.objects.filter(attempt=attempt).order_by("at", "id")
        yield _csv([["at", "dismissed_by", "device", "label", "occurred_at", "reason"]])
        yield _csv(
            [iso_utc(d.at), d.dismissed_by_name, d.device, d.label, iso_utc(d.occurred_at),
             d.reason]
            for d in rows
        )  # fmt: skip

    def candidate_response():
        answer = candidate_selectors.response_of(attempt)
        yield _csv([["received_at", "text"]])
        if answer is not None:
            yield _csv([[iso_utc(answer.received_at), answer.text]])

    def audit():
        rows = AuditEvent.objects.filter(attempt=attempt).order_by("at", "id")
        yield _csv([["at", "user", "action", "summary", "detail"]])
        for chunk_start in range(0, rows.count(), 500):
            yield _csv(
                [iso_utc(e.at), e.username, e.action, e.summary, json.dumps(e.detail)]
                for e in rows[chunk_start : chunk_start + 500]
            )

    def report():
        state = ReviewState.objects.filter(attempt=attempt).first()
        html = render_to_string(
            "analytics/case_report.html",
            {
                "attempt": attempt,
                "records": records,
                "state": state,
                "failures": failures,
                "made": timezone.now(),
            },
        )
        # Made for a hearing, read outside the dashboard: no text from AutoProctor may
        # reorder what it shows (the pages get the same from dashboard.bidi's middleware).
        return escape_bidi_html(html).encode()

    readme = README.format(
        attempt_id=escape_bidi(attempt.test_attempt_id),
        candidate=escape_bidi(attempt.candidate_name or "no name"),
        lookup_key=escape_bidi(attempt.lookup_key or "none"),
        made=iso_utc(timezone.now()),
        user=escape_bidi(user_name),
    )
    members = [
        ("README.txt", lambda: readme.encode()),
        ("attempt.json", lambda: json_bytes(attempt.raw)),
        ("evidence-records.json", lambda: json_bytes([record.raw for record in records])),
    ]
    names = set()
    for record in with_file:
        name = evidence_file_name(record)
        if name in names:  # two records with one position and label: keep both
            name = evidence_file_name(record, distinct=str(record.pk))
        names.add(name)
        record.case_file_name = name
        members.append(
            (name, lambda record=record, name=name: files.chunks(record, failures, name))
        )
    members += [
        ("unavailable.txt", lambda: "".join(f"{line}\n" for line in failures).encode()),
        ("report.html", report),  # after the files, so it can say which could not be fetched
        ("review-history.csv", history),
        ("notes.csv", notes),
        ("dismissals.csv", dismissals),
        ("audit.csv", audit),
        ("candidate-response.csv", candidate_response),
    ]
    return members


def case_file_stream(
    attempt: Attempt,
    *,
    user_name: str,
    ahead: PresignAhead | None = None,
    following: Attempt | None = None,
) -> ZipStream:
    """The attempt's case file as a ZipStream: iterate it for the bytes of the ZIP. With
    `ahead`, the URLs of the `following` attempt are asked for while this one is written."""
    archive = ManifestedZip()
    members = _members(attempt, user_name, ahead)
    if ahead is not None:
        if following is not None:
            ahead.send(following)
        else:
            ahead.close()  # the last one: its own answer, sent before, waits for it
    for name, data in members:
        archive.add(name, data, stored=name.startswith("evidence/"))
    return archive.finish()


def case_file_name(attempt: Attempt) -> str:
    return f"case-file-{safe_name(attempt.test_attempt_id)}.zip"


def case_files_stream(attempts: Iterable[Attempt], *, user_name: str) -> ZipStream:
    """Several case files as one ZIP holding each attempt's case file ZIP, made one after the
    other as the stream reaches it, each next attempt's URLs asked for meanwhile. Two attempt
    ids that make one file name (`a?b`, `a/b`) get two names: an unzip would otherwise keep only
    one of them."""
    stream = ZipStream(compress_type=ZIP_STORED)
    names: set[str] = set()
    attempts = list(attempts)
    ahead = PresignAhead() if evidence_fetch.PRESIGN_AHEAD else None
    followers = [*attempts[1:], None] if attempts else []  # an empty ZIP when none is confirmed
    for attempt, following in zip(attempts, followers, strict=True):
        name = case_file_name(attempt)
        if name in names:
            digest = hashlib.sha256(attempt.test_attempt_id.encode()).hexdigest()[:12]
            name = name.removesuffix(".zip") + f"-{digest}-{attempt.pk}.zip"
        names.add(name)
        stream.add(
            _lazy(
                lambda attempt=attempt, following=following: case_file_stream(
                    attempt, user_name=user_name, ahead=ahead, following=following
                )
            ),
            name,
        )
    return stream


def _lazy(make: Callable[[], Iterable[bytes]]) -> Iterator[bytes]:
    yield from make()
