"""The CSV export on PostgreSQL: every cell made by the database, the file written and streamed
by COPY TO STDOUT in its CSV format.

The Python path (export.py) reads each row as a tuple and formats it with the csv module; on a
million rows that was about half the speed of PostgreSQL copying the same rows out. Here the
SELECT gives one column per cell of the file, each already what csv.writer would be handed
(formula neutralising, UTC timestamps, trust in percent, one integer column per label count),
and COPY's CSV format does the quoting: its rule is csv.writer's (a cell holding a comma, a
double quote, CR or LF is quoted, quotes doubled). Two differences are undone cheaply: COPY
quotes an empty string (it would read as NULL otherwise), so an empty cell leaves the database
as NULL, which COPY writes as nothing; and COPY ends a line with LF where csv.writer writes
CRLF, which `CrlfLineEnds` changes outside quoted cells. Both paths give byte-identical files
(tests/test_export_copy.py compares them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.contrib.postgres.fields import ArrayField
from django.db import connection, transaction
from django.db.models import Count, Func, IntegerField, OuterRef, Q, Subquery, Value

from candidates.selectors import response_text
from dashboard.export import (
    BOM,
    COLUMNS,
    FORMULA_TRIGGERS,
    REVIEW_COLUMNS,
    _csv_text,
    label_columns,
)
from dashboard.export import violation_labels as labels_of
from proctoring.models import EvidenceRecord

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from proctoring.models import Attempt

# Inner columns, in order, named for the outer query that formats them.
RAW_COLUMNS = [*COLUMNS, *REVIEW_COLUMNS, "violation_counts"]
TEXT_COLUMNS = {
    "test_attempt_id",
    "candidate_name",
    "candidate_email",
    "lookup_key",
    "evidence_status",
    "reviewed_by",
    "review_reason",
    "candidate_response",
}
TIME_COLUMNS = {"started_at", "submitted_at", "reviewed_at"}
CHUNK_BYTES = 256 * 1024


class IntArray(Func):
    template = "ARRAY[%(expressions)s]::integer[]"
    output_field = ArrayField(IntegerField())


def label_count_array(labels: list[str]) -> Subquery:
    """export.label_counts as an integer array (no row when the attempt has no violation): its
    elements become the count columns without being printed as JSON and cut apart again."""
    per_attempt = (
        EvidenceRecord.objects.filter(attempt=OuterRef("pk"), is_violation=True)
        .order_by()
        .values("attempt")
        .annotate(counts=IntArray(*[Count("pk", filter=Q(label=label)) for label in labels]))
        .values("counts")
    )
    return Subquery(per_attempt, output_field=ArrayField(IntegerField()))


def csv_bytes(
    attempts: QuerySet[Attempt], *, chunk_bytes: int = CHUNK_BYTES
) -> Iterator[bytes | str]:
    """The same CSV file as export.csv_lines(attempts), made and streamed by PostgreSQL, in
    pieces of `chunk_bytes` (fewer, larger response writes are cheaper; any size gives the same
    file)."""
    labels = labels_of(attempts)
    yield BOM + _csv_text([COLUMNS + label_columns(labels) + REVIEW_COLUMNS])
    if labels:
        attempts = attempts.annotate(violation_counts=label_count_array(labels))
    else:
        attempts = attempts.annotate(violation_counts=Value(None, output_field=IntegerField()))
    attempts = attempts.annotate(candidate_response=response_text())
    inner, params = attempts.values_list(*RAW_COLUMNS).query.sql_with_params()
    names = ", ".join(f"c_{name}" for name in RAW_COLUMNS)
    cells = ", ".join(cells_of(name, len(labels)) for name in columns_in_file(labels))
    # OFFSET 0 keeps the inner query apart: merged into the outer one (as an unordered one
    # would be), its counts' subquery would run once for each label's column.
    rows = f"(SELECT * FROM ({inner}) AS q OFFSET 0) AS r({names})"  # noqa: S608
    sql = f"COPY (SELECT {cells} FROM {rows}) TO STDOUT WITH (FORMAT csv)"  # noqa: S608
    with without_jit(), connection.connection.cursor() as cursor, cursor.copy(sql, params) as copy:
        yield from CrlfLineEnds().convert(exact_pieces(copy, chunk_bytes))


@contextmanager
def without_jit():
    """A transaction in which PostgreSQL compiles the export's expressions without inlining or
    optimising them. Its per-attempt subqueries put a big export's planned cost far above the
    inline and optimise thresholds, so by default LLVM inlines and optimises dozens of cell
    expressions before the first row: seconds of server CPU that only a very long export wins
    back, while plain compilation is quick and keeps most of the per-row gain (with JIT off
    entirely, a million-row export took more CPU). The settings are the transaction's own: they
    end with it however the stream ends (read to the end, closed early, failed), and are put
    back at once when this is a savepoint in a longer transaction, which then keeps its own."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('jit_inline_above_cost'), "
            "current_setting('jit_optimize_above_cost'), "
            "set_config('jit_inline_above_cost', '-1', true), "
            "set_config('jit_optimize_above_cost', '-1', true)"
        )
        inline, optimise, *_ = cursor.fetchone()
        yield
        cursor.execute(
            "SELECT set_config('jit_inline_above_cost', %s, true), "
            "set_config('jit_optimize_above_cost', %s, true)",
            [inline, optimise],
        )


def columns_in_file(labels: list[str]) -> list[str]:
    return (
        [*COLUMNS, "violation_counts", *REVIEW_COLUMNS] if labels else [*COLUMNS, *REVIEW_COLUMNS]
    )


def exact_pieces(blocks: Iterable[bytes | memoryview], size: int) -> Iterator[bytes]:
    """The bytes of `blocks` (COPY sends one per row) regrouped in pieces of exactly `size`
    bytes, the last one shorter: the per-piece work is paid a few thousand times, not once per
    row. A piece may end anywhere, inside a quoted cell or a character."""
    pending = bytearray()
    for block in blocks:
        pending += block
        while len(pending) >= size:
            yield bytes(pending[:size])
            del pending[:size]
    if pending:
        yield bytes(pending)


class CrlfLineEnds:
    """COPY's CSV lines with csv.writer's line ends: LF outside quoted cells becomes CRLF, line
    breaks inside quoted cells stay as they are (as csv.writer writes them).

    In COPY's CSV every double quote opens or closes a quoted cell (a quote inside one is
    doubled: it closes and reopens it), so splitting a piece on quotes leaves the text outside
    quotes at the even places when the piece starts outside. Whether the next piece does is
    carried over; the work is bytes methods over the whole piece, no loop per byte."""

    def __init__(self) -> None:
        self.inside = False

    def convert(self, pieces: Iterable[bytes]) -> Iterator[bytes]:
        for piece in pieces:
            yield self.convert_piece(piece)

    def convert_piece(self, piece: bytes) -> bytes:
        if b'"' not in piece:
            return piece if self.inside else piece.replace(b"\n", b"\r\n")
        parts = piece.split(b'"')
        first_outside = 1 if self.inside else 0
        parts[first_outside::2] = [part.replace(b"\n", b"\r\n") for part in parts[first_outside::2]]
        if len(parts) % 2 == 0:  # an odd number of quotes: the next piece starts on the other side
            self.inside = not self.inside
        return b'"'.join(parts)


def cells_of(name: str, label_count: int) -> str:
    """The SQL of one column's cells (one cell for each but the label counts), each the value
    csv.writer is handed on the Python path, or NULL where that is empty."""
    column = f"r.c_{name}"
    if name in TEXT_COLUMNS:
        return neutralised(column)
    if name in TIME_COLUMNS:
        return iso_utc(column)
    if name == "trust_score":
        # f"{score * 100:.2f}" exactly: to_char of a double prints through the C library's
        # printf, which rounds the double's exact binary value half to even, as Python does.
        return f"to_char({column} * 100, 'FM9999990.00')"
    if name == "violation_count":
        return column
    if name == "violation_counts":  # an attempt without violations has no row: zeros
        return ", ".join(f"coalesce({column}[{i}], 0)" for i in range(1, label_count + 1))
    if name == "changed_since_review":
        return f"CASE WHEN {column} THEN 'yes' ELSE 'no' END"
    return f"nullif({column}, '')"  # review_status, written as it is


# Bidirectional controls, shown as <U+XXXX> as dashboard.bidi.escape_bidi does.
BIDI_CODE_POINTS = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]


def bidi_escaped(text: str) -> str:
    """dashboard.bidi.escape_bidi in SQL: one replace() per control character."""
    for code_point in BIDI_CODE_POINTS:
        text = f"replace({text}, U&'\\{code_point:04X}', '<U+{code_point:04X}>')"
    return text


def neutralised(text: str) -> str:
    """export.neutralise, NULL for an empty or missing text: bidirectional controls made
    visible, then text a spreadsheet would run as a formula gets a leading quote. The controls
    are replaced only in text that is not plain ASCII (its octet and character lengths differ),
    and the formula test reads the first character before they are replaced: a control is no
    trigger, nor is the `<` replacing it, so the answer is the same while most cells skip the
    twelve replace() calls."""
    escaped = (
        f"CASE WHEN octet_length({text}) = length({text}) THEN {text} ELSE {bidi_escaped(text)} END"
    )
    triggers = ", ".join(str(ord(trigger)) for trigger in FORMULA_TRIGGERS)
    return (
        f"CASE WHEN ascii({text}) IN ({triggers}) THEN '''' || {escaped} "
        f"ELSE nullif({escaped}, '') END"
    )


def iso_utc(column: str) -> str:
    """export.iso_utc: ISO 8601 in UTC with a Z, microseconds only when there are some."""
    return (
        f"(replace(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), "
        "'.000000', '') || 'Z')"
    )
