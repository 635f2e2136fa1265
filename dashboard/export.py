"""CSV export of a filtered attempts list: its columns and rules (formula neutralising, UTC
times, one count column per violation label), and the file made in Python, streamed in pieces
of CHUNK_SIZE rows (csv_lines). On PostgreSQL the same file is made by COPY (export_copy.py,
which builds on this module); the view picks the path.

Memory stays flat whatever the row count: rows come from a database cursor in chunks
(`.iterator`) and leave as they are written. What keeps a million-row export fast (see
benchmarks/HISTORY.md): one correlated subquery counts an attempt's violations for every label at
once (one per label read the records again for every label); rows are read as tuples, never as
model instances; timestamps cross from PostgreSQL as plain UTC (UtcTime); and each chunk is
written by a helper thread while the next one is fetched.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from itertools import islice
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Count, Func, OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import JSONArray

from candidates.selectors import response_text
from dashboard.bidi import escape_bidi
from dashboard.columns import CSV_FIELDS
from proctoring.db_functions import UtcTime
from proctoring.models import EvidenceRecord

if TYPE_CHECKING:
    from datetime import datetime

    from django.db.models import QuerySet

    from proctoring.models import Attempt

CHUNK_SIZE = 2000
BOM = "\ufeff"  # lets Excel recognise UTF-8

COLUMNS = CSV_FIELDS
# After the per-label counts, so every column before them keeps its place.
REVIEW_COLUMNS = [
    "review_status",
    "reviewed_by",
    "reviewed_at",
    "review_reason",
    "changed_since_review",
    # What the candidate wrote back through a response link (candidates/), after the review.
    "candidate_response",
]

# The columns read through IsoUtcText (PostgreSQL) or UtcTime.
UTC_FIELDS = {"started_at": "started_utc", "submitted_at": "submitted_utc"}

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str | None) -> str | None:
    """Text a spreadsheet would run as a formula, made inert with a leading single quote (and
    bidirectional controls made visible: dashboard.bidi)."""
    text = escape_bidi(text) if text else text
    if text and text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def iso_utc(moment: datetime | str | None) -> str:
    """ISO 8601 in UTC with a Z; a naive moment is UTC already (see UtcTime), text is formatted
    already (see IsoUtcText)."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        return moment
    if moment.tzinfo is None:
        return moment.isoformat() + "Z"
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class IsoUtcText(Func):
    """A timestamp formatted by PostgreSQL exactly as iso_utc formats it (microseconds only
    when there are some), so the thread writing the CSV, the export's slower half, has nothing
    left to do with it (benchmarks/HISTORY.md). PostgreSQL only (csv_lines); for a
    column (the expression appears three times, so it must not carry parameters)."""

    template = (
        "(to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        "CASE WHEN mod(EXTRACT(MICROSECONDS FROM %(expressions)s)::integer, 1000000) = 0 "
        "THEN '' ELSE to_char(%(expressions)s AT TIME ZONE 'UTC', '.US') END || 'Z')"
    )
    output_field = TextField()


def violation_labels(attempts: QuerySet[Attempt]) -> list[str]:
    """The labels of the violations among `attempts`, sorted: one count column each."""
    if not attempts.query.where and not attempts.query.is_sliced:
        # Every attempt (no filter, no scope): every violation belongs to one, so the labels
        # are all the violations' labels, read label by label from the index; joining every
        # violation to its attempt took seconds of a full export before its first byte.
        return every_violation_label()
    return list(
        EvidenceRecord.objects.filter(is_violation=True, attempt__in=attempts.values("pk"))
        .order_by("label")
        .values_list("label", flat=True)
        .distinct()
    )


def every_violation_label() -> list[str]:
    """The distinct labels of all violations, sorted, one index probe each (the next label
    after the last one found): a handful of probes instead of a read of every violation."""
    labels: list[str] = []
    violations = EvidenceRecord.objects.filter(is_violation=True).order_by("label")
    while (found := _next_label(violations, labels[-1] if labels else None)) is not None:
        labels.append(found)
    return labels


def _next_label(violations: QuerySet[EvidenceRecord], after: str | None) -> str | None:
    if after is not None:
        violations = violations.filter(label__gt=after)
    return violations.values_list("label", flat=True).first()


def label_counts(labels: list[str]) -> Subquery:
    """A correlated subquery: the attempt's violations counted per label, as one JSON array
    in the order of `labels` (no row when it has none). One subquery reading the attempt's
    records once, instead of one per label reading them again for every label."""
    counts = JSONArray(*[Count("pk", filter=Q(label=label)) for label in labels])
    per_attempt = (
        EvidenceRecord.objects.filter(attempt=OuterRef("pk"), is_violation=True)
        .order_by()
        .values("attempt")
        .annotate(counts=counts)
        .values("counts")
    )
    # Read as text and parsed by the thread that writes the CSV (see _overlapped).
    return Subquery(per_attempt, output_field=TextField())


def _row(values, no_counts):
    (
        test_attempt_id,
        candidate_name,
        candidate_email,
        lookup_key,
        started_at,
        submitted_at,
        trust_score,
        evidence_status,
        violation_count,
        review_status,
        reviewed_by,
        reviewed_at,
        review_reason,
        changed_since_review,
        candidate_response,
        counts,
    ) = values
    counts = json.loads(counts) if counts else no_counts
    return [
        neutralise(test_attempt_id),
        neutralise(candidate_name),
        neutralise(candidate_email),
        neutralise(lookup_key),
        iso_utc(started_at),
        iso_utc(submitted_at),
        "" if trust_score is None else f"{trust_score * 100:.2f}",
        neutralise(evidence_status),
        violation_count,
        *counts,
        review_status,
        neutralise(reviewed_by or ""),
        iso_utc(reviewed_at),
        neutralise(review_reason or ""),
        "yes" if changed_since_review else "no",
        neutralise(candidate_response or ""),
    ]


def label_columns(labels: list[str]) -> list[str]:
    """The header of the label counts' columns: a label comes from AutoProctor, so its name
    is neutralised like any cell (a bidirectional control would reorder the header)."""
    return [neutralise(f"violations:{label}") for label in labels]


def csv_lines(attempts: QuerySet[Attempt]) -> Iterator[str]:
    """The CSV file for `attempts` (filtered and ordered, with the review columns of
    review.selectors.with_review): the header with the BOM, then the rows, one piece of
    text per CHUNK_SIZE rows (each piece a response write: fewer, larger ones are cheaper)."""
    labels = violation_labels(attempts)
    yield BOM + _csv_text([COLUMNS + label_columns(labels) + REVIEW_COLUMNS])
    if labels:
        attempts = attempts.annotate(violation_counts=label_counts(labels))
    else:
        attempts = attempts.annotate(violation_counts=Value(None, output_field=TextField()))
    moment = IsoUtcText if connection.vendor == "postgresql" else UtcTime
    attempts = attempts.annotate(
        started_utc=moment("started_at"),
        submitted_utc=moment("submitted_at"),
        candidate_response=response_text(),
    )
    fields = [UTC_FIELDS.get(name, name) for name in COLUMNS]
    rows = attempts.values_list(*fields, *REVIEW_COLUMNS, "violation_counts").iterator(
        chunk_size=CHUNK_SIZE
    )
    no_counts = [0] * len(labels)
    chunks = iter(lambda: list(islice(rows, CHUNK_SIZE)), [])
    yield from _overlapped(chunks, lambda chunk: _csv_text(_row(row, no_counts) for row in chunk))


def _csv_text(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def _overlapped(chunks, make_text):
    """make_text(chunk) for each chunk, in order, each made in a helper thread while this one
    fetches the next chunk from the database (a wait that frees the interpreter): the export
    then takes about as long as the slower of the two, not their sum. The helper thread never
    touches the database."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="csv-export") as helper:
        pending = None
        for chunk in chunks:
            made = helper.submit(make_text, chunk)
            if pending is not None:
                yield pending.result()
            pending = made
        if pending is not None:
            yield pending.result()
