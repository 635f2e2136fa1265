"""Attempt indexes: the five single-column ones go, the failing attempts get a partial one.

Each removed index is a prefix of the attempts list's (column, id) index on the same column,
which serves the same filters and sorts; keeping both only made every sync upsert write the
entry twice. Those indexes were created by a dashboard migration that ran first; migration 0005
declares them in Attempt.Meta, and creates them where they are missing.

The sync status page lists the attempts whose evidence keeps failing (sync_error_count > 0),
latest failure first; a partial index holds only those rows, in that order.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("proctoring", "0003_review"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="attempt", name="attempt_trust_score_idx"),
        migrations.RemoveIndex(model_name="attempt", name="attempt_submitted_at_idx"),
        migrations.RemoveIndex(model_name="attempt", name="attempt_lookup_key_idx"),
        migrations.RemoveIndex(model_name="attempt", name="attempt_evidence_status_idx"),
        migrations.RemoveIndex(model_name="attempt", name="attempt_candidate_email_idx"),
        migrations.AddIndex(
            model_name="attempt",
            index=models.Index(
                fields=["-sync_error_at", "-id"],
                condition=models.Q(sync_error_count__gt=0),
                name="attempt_sync_failing_idx",
            ),
        ),
    ]
