"""The attempts list's indexes become this app's own, and the review tables leave its state.

Indexes. The list's (column, id) indexes, the partial ones on id for the rows without a value,
and the violations' (label, attempt) index were raw SQL in dashboard migrations. They are now
declared in Attempt.Meta and EvidenceRecord.Meta. On a database created before, they exist
under the same names, so only the state changes; where one is missing it is created. The
violations sort's index is renamed (Django limits index names to 30 characters): the new one is
built before the old is dropped, so the sort is never without one. The PostgreSQL-only indexes
(the duration's expression, the search's trigrams over pg_trgm) cannot be limited to one
database in Meta.indexes, so this migration creates them on PostgreSQL, if missing.

Review. VerdictChange, ReviewState, ReviewNote and EvidenceDismissal now belong to the review
app (review migration 0001 adopts them); their tables and rows stay where they are.
"""

from django.db import DatabaseError, migrations, models, transaction

ATTEMPT_TABLE = "proctoring_attempt"
# Created by the dashboard migration before, replaced by dash_attempt_violations_trust.
OLD_VIOLATIONS_INDEX = "dash_attempt_violations_id_trust"

SORT_COLUMNS = {
    "started_at": "dash_attempt_started_id",
    "submitted_at": "dash_attempt_submitted_id",
    "trust_score": "dash_attempt_trust_id",
    "candidate_name": "dash_attempt_name_id",
    "candidate_email": "dash_attempt_email_id",
    "lookup_key": "dash_attempt_lookup_key_id",
    "evidence_status": "dash_attempt_evidence_id",
}
NULL_COLUMNS = {
    "started_at": "dash_attempt_unstarted_id",
    "submitted_at": "dash_attempt_unsubmitted_id",
    "trust_score": "dash_attempt_unscored_id",
}
ATTEMPT_INDEXES = [
    *(models.Index(fields=[column, "id"], name=name) for column, name in SORT_COLUMNS.items()),
    models.Index(fields=["violation_count", "id", "trust_score"], name="dash_attempt_violations_trust"),
    *(
        models.Index(fields=["id"], condition=models.Q((f"{column}__isnull", True)), name=name)
        for column, name in NULL_COLUMNS.items()
    ),
]
EVIDENCE_INDEXES = [
    models.Index(
        fields=["label", "attempt"],
        condition=models.Q(("is_violation", True)),
        name="dash_violation_label_attempt",
    ),
]
POSTGRESQL_INDEXES = {
    "dash_attempt_duration_id": "btree ((submitted_at - started_at), id)",
    "dash_attempt_no_duration_id": "btree (id) WHERE (submitted_at - started_at) IS NULL",
}
SEARCH_INDEXES = {
    "dash_attempt_name_trgm": "gin (UPPER(candidate_name::text) gin_trgm_ops)",
    "dash_attempt_email_trgm": "gin (UPPER(candidate_email::text) gin_trgm_ops)",
    "dash_attempt_id_trgm": "gin (UPPER(test_attempt_id::text) gin_trgm_ops)",
}


def _index_names(schema_editor, table):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


def create_missing_indexes(apps, schema_editor):
    """Create each declared index the database lacks; then drop the renamed one."""
    for model_name, indexes in [("attempt", ATTEMPT_INDEXES), ("evidencerecord", EVIDENCE_INDEXES)]:
        model = apps.get_model("proctoring", model_name)
        existing = _index_names(schema_editor, model._meta.db_table)
        for index in indexes:
            if index.name not in existing:
                schema_editor.add_index(model, index)
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_VIOLATIONS_INDEX}")
    if schema_editor.connection.vendor == "postgresql":
        _create_postgresql_indexes(schema_editor)


def _create_postgresql_indexes(schema_editor):
    execute = schema_editor.execute
    for name, definition in POSTGRESQL_INDEXES.items():
        execute(f"CREATE INDEX IF NOT EXISTS {name} ON {ATTEMPT_TABLE} USING {definition}")
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        print(
            f"\n  pg_trgm could not be enabled ({error}); the attempts search works without it "
            "but scans the table. Ask the database owner to run CREATE EXTENSION pg_trgm, "
            "then migrate proctoring 0004 and back to 0005."
        )
        return
    for name, definition in SEARCH_INDEXES.items():
        execute(f"CREATE INDEX IF NOT EXISTS {name} ON {ATTEMPT_TABLE} USING {definition}")


def drop_indexes(apps, schema_editor):
    """Back to the state before: the indexes go (unapplying proctoring 0004 needs none)."""
    names = [index.name for index in ATTEMPT_INDEXES + EVIDENCE_INDEXES]
    for name in [*names, *POSTGRESQL_INDEXES, *SEARCH_INDEXES]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("proctoring", "0004_attempt_index_cleanup"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                *(migrations.AddIndex("attempt", index) for index in ATTEMPT_INDEXES),
                *(migrations.AddIndex("evidencerecord", index) for index in EVIDENCE_INDEXES),
            ],
            database_operations=[
                migrations.RunPython(create_missing_indexes, drop_indexes, elidable=False)
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="EvidenceDismissal"),
                migrations.DeleteModel(name="ReviewNote"),
                migrations.DeleteModel(name="ReviewState"),
                migrations.DeleteModel(name="VerdictChange"),
            ],
        ),
    ]
