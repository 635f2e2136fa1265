"""The CSV export on PostgreSQL: every row made by the database and streamed by COPY TO STDOUT.

The Python path (export.py) reads each row as a tuple and formats it with the csv module; on a
million rows that was about half the speed of PostgreSQL copying the same rows out. Here one
SQL expression per row builds the very line csv.writer would write (formula neutralising, the
minimal quoting, UTC timestamps, trust in percent, the per-label counts) and COPY streams the
lines. COPY's text format escapes the backslashes and control characters in a line and ends it
with a bare newline; `unescape` turns that back into the bytes the Python path writes, so both
paths give byte-identical files (tests/test_export_copy.py compares them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import TextField, Value

from dashboard.export import BOM, COLUMNS, FORMULA_TRIGGERS, REVIEW_COLUMNS, _csv_text, label_counts
from dashboard.export import violation_labels as labels_of

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
}
TIME_COLUMNS = {"started_at", "submitted_at", "reviewed_at"}
EMPTY = "''"
CHUNK_BYTES = 256 * 1024
ESCAPES = {b"\\": b"\\", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
ESCAPES[b"v"] = b"\v"
ESCAPE = re.compile(rb"\\(.)", re.S)


def csv_bytes(attempts: QuerySet[Attempt]) -> Iterator[bytes | str]:
    """The same CSV file as export.csv_lines(attempts), made and streamed by PostgreSQL."""
    labels = labels_of(attempts)
    yield BOM + _csv_text([COLUMNS + [f"violations:{label}" for label in labels] + REVIEW_COLUMNS])
    if labels:
        attempts = attempts.annotate(violation_counts=label_counts(labels))
    else:
        attempts = attempts.annotate(violation_counts=Value(None, output_field=TextField()))
    inner, params = attempts.values_list(*RAW_COLUMNS).query.sql_with_params()
    names = ", ".join(f"c_{name}" for name in RAW_COLUMNS)
    line = " || ',' || ".join(cell(name, len(labels)) for name in columns_in_file(labels))
    # Each value the line's expression needs several times is computed once per row, in f
    # (OFFSET 0 keeps the planner from folding f's expressions back into the line).
    once = ", ".join(
        [f"{neutralised(f'coalesce(r.c_{name}, {EMPTY})')} AS t_{name}" for name in TEXT_COLUMNS]
        + ["r.c_trust_score * 100 AS percent"]
    )
    sql = (
        f"COPY (SELECT {line} FROM ({inner}) AS r({names}) "  # noqa: S608
        f"CROSS JOIN LATERAL (SELECT {once} OFFSET 0) AS f) TO STDOUT"
    )
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(sql, params) as copy:
        # COPY sends one message per row (whole lines: a newline inside a cell is escaped);
        # they leave in pieces of CHUNK_BYTES, so the per-piece work of unescaping and of the
        # response's writes is paid a few thousand times, not once per row.
        pending: list[bytes] = []
        size = 0
        for block in copy:
            pending.append(bytes(block))
            size += len(block)
            if size >= CHUNK_BYTES:
                yield unescape(b"".join(pending))
                pending, size = [], 0
        if pending:
            yield unescape(b"".join(pending))


def columns_in_file(labels: list[str]) -> list[str]:
    return (
        [*COLUMNS, "violation_counts", *REVIEW_COLUMNS] if labels else [*COLUMNS, *REVIEW_COLUMNS]
    )


def unescape(data: bytes) -> bytes:
    """COPY text lines back to csv.writer's bytes: a bare newline ends a line (csv.writer ends
    it with CRLF); escaped characters inside it are the characters themselves."""
    data = data.replace(b"\n", b"\r\n")
    if b"\\" not in data:
        return data
    return ESCAPE.sub(lambda match: ESCAPES.get(match[1], match[1]), data)


def cell(name: str, label_count: int) -> str:
    """The SQL text of one column's cell, as csv.writer would write the Python path's value."""
    column = f"r.c_{name}"
    if name in TEXT_COLUMNS:
        return quoted(f"f.t_{name}")
    if name in TIME_COLUMNS:
        return f"coalesce({iso_utc(column)}, '')"
    if name == "trust_score":
        # f"{score * 100:.2f}" exactly: to_char of a double prints through the C library's
        # printf, which rounds the double's exact binary value half to even, as Python does.
        return "coalesce(to_char(f.percent, 'FM9999990.00'), '')"
    if name == "violation_count":
        return f"{column}::text"
    if name == "violation_counts":
        zeros = ",".join(["0"] * label_count)
        text = f"{column}::text"  # a JSON array: [1, 0, 2]
        counts = f"replace(substr({text}, 2, length({text}) - 2), ', ', ',')"
        return f"coalesce({counts}, '{zeros}')"
    if name == "changed_since_review":
        return f"CASE WHEN {column} THEN 'yes' ELSE 'no' END"
    return quoted(f"coalesce({column}::text, '')")  # review_status


# Bidirectional controls, shown as <U+XXXX> as dashboard.bidi.escape_bidi does.
BIDI_CODE_POINTS = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]


def bidi_escaped(text: str) -> str:
    """dashboard.bidi.escape_bidi in SQL: one replace() per control character."""
    for code_point in BIDI_CODE_POINTS:
        text = f"replace({text}, U&'\\{code_point:04X}', '<U+{code_point:04X}>')"
    return text


def neutralised(text: str) -> str:
    """export.neutralise: bidirectional controls made visible, then text a spreadsheet would
    run as a formula gets a leading quote. The controls are replaced only in text that is not
    plain ASCII (its octet and character lengths differ), and the formula test reads the first
    character before they are replaced: a control is no trigger, nor is the `<` replacing it,
    so the answer is the same while most cells skip the twelve replace() calls."""
    escaped = (
        f"CASE WHEN octet_length({text}) = length({text}) THEN {text} ELSE {bidi_escaped(text)} END"
    )
    triggers = ", ".join(str(ord(trigger)) for trigger in FORMULA_TRIGGERS)
    return f"CASE WHEN ascii({text}) IN ({triggers}) THEN '''' || {escaped} ELSE {escaped} END"


def quoted(text: str) -> str:
    """csv.writer's minimal quoting: in double quotes (doubled inside) when the text holds a
    comma, a double quote, CR or LF."""
    return (
        f"CASE WHEN strpos({text}, ',') > 0 OR strpos({text}, '\"') > 0 "
        f"OR strpos({text}, E'\\r') > 0 OR strpos({text}, E'\\n') > 0 "
        f"THEN '\"' || replace({text}, '\"', '\"\"') || '\"' ELSE {text} END"
    )


def iso_utc(column: str) -> str:
    """export.iso_utc: ISO 8601 in UTC with a Z, microseconds only when there are some."""
    return (
        f"(replace(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), "
        "'.000000', '') || 'Z')"
    )
