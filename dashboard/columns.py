"""The attempt's columns, defined once: the list's headers and sorts, the fields the list reads,
and the CSV's columns all come from ATTEMPT_COLUMNS.

A column with a `key` is a header of the attempts table, sortable by `?o=<key>` (dashboard.
sorting); one with a `csv_position` is a column of the CSV export, in that order (the order
spreadsheets built on the export rely on; new columns go at the end). The attempt's id is shown
inside the candidate's cell, so it is exported but has no header of its own.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import DurationField, Expression, ExpressionWrapper, F


@dataclass(frozen=True)
class Column:
    field: str  # a model field, or the name of `annotation`
    title: str  # the table header
    key: str = ""  # the value of `o` that sorts by it; empty: not a header
    nullable: bool = False
    value_type: type = str  # how a keyset cursor value is read back from the URL
    annotation: Expression | None = None  # expression to annotate as `field` before sorting
    default_descending: bool = False  # the direction of the first click on the header
    csv_position: int | None = None  # its place among the CSV's columns; None: not exported

    @property
    def numeric(self) -> bool:
        return self.value_type in (int, float, timedelta)


ATTEMPT_COLUMNS = [
    Column("test_attempt_id", "Attempt ID", csv_position=0),
    Column("candidate_name", "Candidate", "candidate", csv_position=1),
    Column("candidate_email", "Email", "email", csv_position=2),
    Column("lookup_key", "Test", "test", csv_position=3),
    Column(
        "started_at", "Started", "started", True, datetime, default_descending=True, csv_position=4
    ),
    Column(
        "submitted_at",
        "Submitted",
        "submitted",
        True,
        datetime,
        default_descending=True,
        csv_position=5,
    ),
    Column(
        "time_taken",
        "Duration",
        "duration",
        True,
        timedelta,
        annotation=ExpressionWrapper(
            F("submitted_at") - F("started_at"), output_field=DurationField()
        ),
        default_descending=True,
    ),
    Column("trust_score", "Trust score", "trust", True, float, csv_position=6),
    Column(
        "violation_count",
        "Violations",
        "violations",
        False,
        int,
        default_descending=True,
        csv_position=8,
    ),
    Column("evidence_status", "Evidence", "evidence", csv_position=7),
]

# The table's headers, in order, by the `o` that sorts by each.
SORT_COLUMNS = {column.key: column for column in ATTEMPT_COLUMNS if column.key}
# The CSV's attempt columns, in order (the per-label counts and review columns follow).
CSV_FIELDS = [
    column.field
    for column in sorted(
        (column for column in ATTEMPT_COLUMNS if column.csv_position is not None),
        key=lambda column: column.csv_position,
    )
]
# What the list and the CSV read of an attempt; `raw` (the whole API object) stays unread.
LIST_FIELDS = ["id", *(column.field for column in ATTEMPT_COLUMNS if column.annotation is None)]
