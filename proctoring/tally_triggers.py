"""The triggers that keep the tallies (proctoring.tally_models) equal to attempts and evidence.

Triggers rather than calls in the sync: attempts and evidence are written by several paths (the
results pass's COPY and upsert, the evidence pass's COPY, a re-parse, retention's purges and
erasure, the admin), and a trigger sees every one, in the writing transaction. PostgreSQL runs
one statement-level trigger per statement, which folds the statement's rows (its transition
tables) into a few tally rows: a 50,000-row COPY costs one grouped upsert per tally. SQLite
has row triggers only: a small upsert per row. Rows that cancel out (an update that left an
attempt's test, band and day as they were) touch no tally row; rows that fall to zero go.
"""

# ruff: noqa: S608 (the SQL is made of this module's constants: table and column names only)
from __future__ import annotations

from autoproctor.wire import EVIDENCE_PROCESSING

ATTEMPT = "proctoring_attempt"
EVIDENCE = "proctoring_evidencerecord"
ZONE = "proctoring_tallyzone"


def bucket_sql(row: str, postgres: bool) -> str:
    """floor(trust_score × 100) of `row`, -1 without a score (the same as tallies.bucket_of)."""
    floor = (
        f"floor({row}.trust_score * 100)::int"
        if postgres
        else (
            f"CAST({row}.trust_score * 100 AS INTEGER)"  # scores are 0..1: truncation is floor
        )
    )
    return f"CASE WHEN {row}.trust_score IS NULL THEN -1 ELSE {floor} END"


def day_sql(row: str, postgres: bool) -> str:
    """The day `row` started, in the tallies' zone (z.zone), as TruncDate computes it."""
    if postgres:
        return f"({row}.started_at AT TIME ZONE z.zone)::date"
    return f"django_datetime_cast_date({row}.started_at, z.zone, 'UTC')"


# Per tally: (table, key columns, counted columns). Shares are SELECTs giving the key columns
# and one signed figure per counted column.
ATTEMPT_TALLY = (
    "proctoring_attempttally",
    ["lookup_key", "bucket"],
    ["attempts", "submitted", "awaiting_evidence"],
)  # noqa: E501
ATTEMPT_DAY = ("proctoring_attemptday", ["day", "lookup_key"], ["attempts"])
VIOLATION_TALLY = ("proctoring_violationtally", ["lookup_key", "label"], ["violations"])


def attempt_shares(row: str, sign: str, postgres: bool) -> str:
    source = f"FROM {row}" if postgres else "WHERE TRUE"
    return (
        f"SELECT {row}.lookup_key AS lookup_key, {bucket_sql(row, postgres)} AS bucket, "
        f"{sign} AS c0, CASE WHEN {row}.submitted_at IS NULL THEN 0 ELSE {sign} END AS c1, "
        f"CASE WHEN {row}.evidence_status = '{EVIDENCE_PROCESSING}' THEN {sign} ELSE 0 END AS c2 "
        f"{source}"
    )


def day_shares(row: str, sign: str, postgres: bool) -> str:
    source = f"FROM {row} CROSS JOIN {ZONE} z" if postgres else f"FROM {ZONE} z"
    return (
        f"SELECT {day_sql(row, postgres)} AS day, {row}.lookup_key AS lookup_key, {sign} AS c0 "
        f"{source} "
        f"WHERE {row}.started_at IS NOT NULL"
    )


def violation_shares(row: str, sign: str, postgres: bool) -> str:
    if postgres:
        return (
            f"SELECT a.lookup_key AS lookup_key, {row}.label AS label, {sign} AS c0 FROM {row} "
            f"JOIN {ATTEMPT} a ON a.id = {row}.attempt_id WHERE {row}.is_violation"
        )
    return (
        f"SELECT a.lookup_key AS lookup_key, {row}.label AS label, {sign} AS c0 FROM {ATTEMPT} a "
        f"WHERE a.id = {row}.attempt_id AND {row}.is_violation"
    )


def moved_violations(postgres: bool) -> str:
    """An attempt that moved to another test takes its violations along."""
    if postgres:
        pairs = (
            f"old_rows o JOIN new_rows m ON m.id = o.id JOIN {EVIDENCE} e ON e.attempt_id = o.id"
        )
        where = "WHERE e.is_violation AND o.lookup_key <> m.lookup_key"
    else:
        pairs = f"{EVIDENCE} e"
        where = (
            "WHERE e.attempt_id = NEW.id AND e.is_violation AND OLD.lookup_key <> NEW.lookup_key"  # noqa: E501
        )
    old, new = ("o", "m") if postgres else ("OLD", "NEW")
    return (
        f"SELECT {old}.lookup_key AS lookup_key, e.label AS label, -1 AS c0 FROM {pairs} {where} "
        "UNION ALL "
        f"SELECT {new}.lookup_key, e.label, 1 FROM {pairs} {where}"
    )


# The attempts' columns the tallies are made of. Most updates of attempts change none of them
# (an evidence claim and its renewals, a sync's bookkeeping): the UPDATE trigger then returns
# at once. Without that check every claim of a few attempts paid the three folds, and the moved
# violations' join read every violation record (a sequential scan: the planner cannot know that
# no attempt moved), which made the evidence pass's database time grow with the evidence stored.
TALLIED = ("lookup_key", "trust_score", "submitted_at", "evidence_status", "started_at")
TALLIED_CHANGE = (
    "SELECT 1 FROM old_rows o FULL JOIN new_rows n ON n.id = o.id "
    "WHERE o.id IS NULL OR n.id IS NULL OR "
    f"({', '.join(f'o.{c}' for c in TALLIED)}) IS DISTINCT FROM "
    f"({', '.join(f'n.{c}' for c in TALLIED)})"
)
# An attempt moved to another test: only then are its violations read to move them along.
MOVED = "SELECT 1 FROM old_rows o JOIN new_rows m ON m.id = o.id WHERE o.lookup_key <> m.lookup_key"


def fold(tally: tuple, shares: list[str], *, may_empty: bool = True) -> str:
    """Add the signed shares to the tally rows they fall in; remove rows left at zero."""
    table, keys, counted = tally
    union = " UNION ALL ".join(shares)
    sums = ", ".join(f"sum(c{i})" for i in range(len(counted)))
    changed = " OR ".join(f"sum(c{i}) <> 0" for i in range(len(counted)))
    key_list = ", ".join(keys)
    updates = ", ".join(f"{column} = {table}.{column} + excluded.{column}" for column in counted)
    statement = (
        f"INSERT INTO {table} ({key_list}, {', '.join(counted)}) "
        f"SELECT {key_list}, {sums} FROM ({union}) AS shares "
        f"WHERE TRUE GROUP BY {key_list} HAVING {changed} ORDER BY {key_list} "
        f"ON CONFLICT ({key_list}) DO UPDATE SET {updates};"
    )
    if may_empty:
        statement += f" DELETE FROM {table} WHERE {counted[0]} = 0;"
    return statement


def _postgres() -> list[str]:
    def body(*statements: str) -> str:
        return "\n".join(statements)

    attempts = {
        "INSERT": body(
            fold(ATTEMPT_TALLY, [attempt_shares("new_rows", "1", True)], may_empty=False),
            fold(ATTEMPT_DAY, [day_shares("new_rows", "1", True)], may_empty=False),
        ),
        "DELETE": body(
            fold(ATTEMPT_TALLY, [attempt_shares("old_rows", "-1", True)]),
            fold(ATTEMPT_DAY, [day_shares("old_rows", "-1", True)]),
        ),
        "UPDATE": body(
            f"IF NOT EXISTS ({TALLIED_CHANGE}) THEN RETURN NULL; END IF;",
            fold(ATTEMPT_TALLY, [attempt_shares(r, s, True) for r, s in PAIR]),
            fold(ATTEMPT_DAY, [day_shares(r, s, True) for r, s in PAIR]),
            f"IF EXISTS ({MOVED}) THEN",
            fold(VIOLATION_TALLY, [moved_violations(True)]),
            "END IF;",
        ),
    }
    violations = {
        "INSERT": fold(VIOLATION_TALLY, [violation_shares("new_rows", "1", True)], may_empty=False),
        "DELETE": fold(VIOLATION_TALLY, [violation_shares("old_rows", "-1", True)]),
        "UPDATE": fold(VIOLATION_TALLY, [violation_shares(r, s, True) for r, s in PAIR]),
    }
    statements = []
    for table, name, bodies in (
        (ATTEMPT, "proctoring_tally_attempts", attempts),
        (EVIDENCE, "proctoring_tally_violations", violations),
    ):
        for event, transition in TRANSITIONS.items():
            function = f"{name}_{event.lower()}"
            statements.append(
                f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {bodies[event]} RETURN NULL; END $$"
            )
            statements.append(
                f"CREATE TRIGGER {function} AFTER {event} ON {table} REFERENCING {transition} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
    return statements


PAIR = (("new_rows", "1"), ("old_rows", "-1"))
ROW_PAIR = (("NEW", "1"), ("OLD", "-1"))
TRANSITIONS = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}
FUNCTIONS = [
    f"{name}_{event.lower()}"
    for name in ("proctoring_tally_attempts", "proctoring_tally_violations")
    for event in TRANSITIONS
]


def _sqlite() -> list[str]:
    def trigger(name: str, when: str, *statements: str) -> str:
        return f"CREATE TRIGGER {name} {when} BEGIN {' '.join(statements)} END"

    def attempt(row: str, sign: str) -> list[str]:
        return [
            fold(ATTEMPT_TALLY, [attempt_shares(row, sign, False)]),
            fold(ATTEMPT_DAY, [day_shares(row, sign, False)]),
        ]

    def violation(row: str, sign: str) -> str:
        return fold(VIOLATION_TALLY, [violation_shares(row, sign, False)])

    columns = "lookup_key, trust_score, submitted_at, evidence_status, started_at"
    return [
        trigger(f"{FUNCTIONS[0]}", f"AFTER INSERT ON {ATTEMPT}", *attempt("NEW", "1")),
        trigger(
            f"{FUNCTIONS[1]}",
            f"AFTER UPDATE OF {columns} ON {ATTEMPT}",
            fold(ATTEMPT_TALLY, [attempt_shares(r, s, False) for r, s in ROW_PAIR]),
            fold(ATTEMPT_DAY, [day_shares(r, s, False) for r, s in ROW_PAIR]),
            fold(VIOLATION_TALLY, [moved_violations(False)]),
        ),
        trigger(f"{FUNCTIONS[2]}", f"AFTER DELETE ON {ATTEMPT}", *attempt("OLD", "-1")),
        trigger(f"{FUNCTIONS[3]}", f"AFTER INSERT ON {EVIDENCE}", violation("NEW", "1")),
        trigger(
            f"{FUNCTIONS[4]}",
            f"AFTER UPDATE OF attempt_id, label, is_violation ON {EVIDENCE}",
            fold(VIOLATION_TALLY, [violation_shares(r, s, False) for r, s in ROW_PAIR]),
        ),
        trigger(f"{FUNCTIONS[5]}", f"AFTER DELETE ON {EVIDENCE}", violation("OLD", "-1")),
    ]


def install(schema_editor) -> None:
    """Create the triggers (a migration's RunPython forwards)."""
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in _postgres() if postgres else _sqlite():
        schema_editor.execute(statement, params=None)


def remove(schema_editor) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    for name in FUNCTIONS:
        if postgres:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}() CASCADE", params=None)
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)


def replace_functions(schema_editor) -> None:
    """Replace the PostgreSQL trigger functions with this module's (a migration that changes
    what they do; the triggers stay). SQLite's triggers are unchanged."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in _postgres():
        if statement.startswith("CREATE OR REPLACE FUNCTION"):
            schema_editor.execute(statement, params=None)
