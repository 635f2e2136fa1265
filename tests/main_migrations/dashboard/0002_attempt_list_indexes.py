"""Indexes that keep the attempts list fast on a million rows (see dashboard.pagination).

Each sortable column gets an index on (column, id): keyset pagination walks it in either
direction, ties included, without sorting. The rows without a value (NULLs), which come last in
id order, get a small partial index on id each. On PostgreSQL the duration sort gets expression
indexes, and the free-text search trigram indexes on the exact expression Django's `icontains`
compares (UPPER(column::text) LIKE UPPER(pattern)), so a search reads only the matching rows.

These are database-level indexes for the dashboard's read queries only; they change no model,
so they live here rather than in the proctoring app's models. pg_trgm is a trusted extension
(any database owner may create it); where it is refused, search still works, by scanning.
"""

from django.db import DatabaseError, migrations, transaction

TABLE = "proctoring_attempt"

SORT_INDEXES = {
    "dash_attempt_started_id": "started_at, id",
    "dash_attempt_submitted_id": "submitted_at, id",
    "dash_attempt_trust_id": "trust_score, id",
    "dash_attempt_name_id": "candidate_name, id",
    "dash_attempt_email_id": "candidate_email, id",
    "dash_attempt_lookup_key_id": "lookup_key, id",
    "dash_attempt_violations_id": "violation_count, id",
    "dash_attempt_evidence_id": "evidence_status, id",
}
# The rows without a value, read in id order (the second segment of a nullable sort).
NULL_INDEXES = {
    "dash_attempt_unstarted_id": "started_at IS NULL",
    "dash_attempt_unsubmitted_id": "submitted_at IS NULL",
    "dash_attempt_unscored_id": "trust_score IS NULL",
}
POSTGRESQL_INDEXES = {
    "dash_attempt_duration_id": "btree ((submitted_at - started_at), id)",
    "dash_attempt_no_duration_id": "btree (id) WHERE (submitted_at - started_at) IS NULL",
}
SEARCH_INDEXES = {
    "dash_attempt_name_trgm": "gin (UPPER(candidate_name::text) gin_trgm_ops)",
    "dash_attempt_email_trgm": "gin (UPPER(candidate_email::text) gin_trgm_ops)",
    "dash_attempt_id_trgm": "gin (UPPER(test_attempt_id::text) gin_trgm_ops)",
}


def create_indexes(apps, schema_editor):
    execute = schema_editor.execute
    for name, columns in SORT_INDEXES.items():
        execute(f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} ({columns})")
    for name, condition in NULL_INDEXES.items():
        execute(f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} (id) WHERE {condition}")
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in POSTGRESQL_INDEXES.items():
        execute(f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} USING {definition}")
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        print(
            f"\n  pg_trgm could not be enabled ({error}); the attempts search works without it "
            "but scans the table. Ask the database owner to run CREATE EXTENSION pg_trgm, "
            "then migrate dashboard 0001 and back to 0002."
        )
        return
    for name, definition in SEARCH_INDEXES.items():
        execute(f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} USING {definition}")


def drop_indexes(apps, schema_editor):
    for name in [*SORT_INDEXES, *NULL_INDEXES, *POSTGRESQL_INDEXES, *SEARCH_INDEXES]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_roles"),
        ("proctoring", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
