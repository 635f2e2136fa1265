"""An index for the attempts list's "has violation" filter, on millions of evidence records.

The filter keeps attempts that have a violation with one label. Counting the matches (up to the
list's cap) made PostgreSQL walk every attempt's evidence records in attempt order and test each
record's label (about 50 ms on a million attempts); the page itself, sorted by another column,
tests attempts one by one. With the violations' (label, attempt) pairs in a partial index both
read only that label's entries: the count merges them with the attempts' primary key, the page
probes them per attempt. A database-level index for a dashboard read query, like 0002.
"""

from django.db import migrations

INDEX = "dash_violation_label_attempt"


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0004_review_roles"),
        ("proctoring", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON proctoring_evidencerecord "
            "(label, attempt_id) WHERE is_violation",
            f"DROP INDEX IF EXISTS {INDEX}",
            elidable=False,
        )
    ]
