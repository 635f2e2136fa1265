"""CSV export of a filtered attempts list, streamed row by row.

Memory stays flat whatever the row count: rows come from a database cursor in chunks
(`.iterator`) and leave as they are written. The per-label violation counts are correlated
subqueries annotated on the one attempts query (one per label that occurs), not a query per row.
"""

import csv
from datetime import UTC

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from proctoring.models import EvidenceRecord

CHUNK_SIZE = 2000
BOM = "\ufeff"  # lets Excel recognise UTF-8

COLUMNS = [
    "test_attempt_id",
    "candidate_name",
    "candidate_email",
    "lookup_key",
    "started_at",
    "submitted_at",
    "trust_score",
    "evidence_status",
    "violation_count",
]
# After the per-label counts, so every column before them keeps its place.
REVIEW_COLUMNS = [
    "review_status",
    "reviewed_by",
    "reviewed_at",
    "review_reason",
    "changed_since_review",
]

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text):
    """Text a spreadsheet would run as a formula, made inert with a leading single quote."""
    if text and text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def iso_utc(moment):
    return "" if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def violation_labels(attempts):
    """The labels of the violations among `attempts`, sorted: one count column each."""
    return list(
        EvidenceRecord.objects.filter(is_violation=True, attempt__in=attempts.values("pk"))
        .order_by("label")
        .values_list("label", flat=True)
        .distinct()
    )


def _label_column(index):
    return f"violations_{index}"


def with_label_counts(attempts, labels):
    """`attempts` annotated with one violation count per label, each a correlated subquery."""
    annotations = {}
    for index, label in enumerate(labels):
        count = (
            EvidenceRecord.objects.filter(attempt=OuterRef("pk"), label=label, is_violation=True)
            .order_by()
            .values("attempt")
            .annotate(count=Count("pk"))
            .values("count")
        )
        annotations[_label_column(index)] = Coalesce(
            Subquery(count, output_field=IntegerField()), Value(0)
        )
    return attempts.annotate(**annotations)


class _Echo:
    """A file-like object whose write() returns what it was given (for csv.writer)."""

    def write(self, value):
        return value


def csv_lines(attempts):
    """The CSV file for `attempts` (filtered and ordered, with the review columns of
    dashboard.review.queries.with_review), line by line, BOM first."""
    labels = violation_labels(attempts)
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(
        COLUMNS + [f"violations:{label}" for label in labels] + REVIEW_COLUMNS
    )
    rows = with_label_counts(attempts, labels)
    for attempt in rows.iterator(chunk_size=CHUNK_SIZE):
        trust = "" if attempt.trust_score is None else f"{attempt.trust_score * 100:.2f}"
        yield writer.writerow(
            [
                neutralise(attempt.test_attempt_id),
                neutralise(attempt.candidate_name),
                neutralise(attempt.candidate_email),
                neutralise(attempt.lookup_key),
                iso_utc(attempt.started_at),
                iso_utc(attempt.submitted_at),
                trust,
                neutralise(attempt.evidence_status),
                attempt.violation_count,
            ]
            + [getattr(attempt, _label_column(index)) for index in range(len(labels))]
            + [
                attempt.review_status,
                neutralise(attempt.reviewed_by or ""),
                iso_utc(attempt.reviewed_at),
                neutralise(attempt.review_reason or ""),
                "yes" if attempt.changed_since_review else "no",
            ]
        )
