"""The violations sort's index carries the trust score, for a trust range sorted by violations.

Sorted by violations, the list walks (violation_count, id) from one end. With a trust-score range
as well, PostgreSQL fetched each row from the table to test its score, and as the two go together
(many violations, low trust) it fetched some 22,600 rows for the 50 of the first page: about 45 ms
of SQL on a million attempts, where the other views need 3. The reverse order and other ranges
were worse (trust 40-60 % fewest violations first: 850,000 rows, 570 ms; trust 90-100 % most
violations first: 250,000 rows, 390 ms). With trust_score as the index's third column the range
is tested on the index entries (an Index Cond), so the table is read for the page's rows only
(1 ms, 19 ms and 7 ms), while (violation_count, id) still gives dashboard.pagination its keyset
order; after the unique id the score adds no order, only what the scan can test.

The other sorts with a trust range keep their (column, id) indexes: their columns do not go with
the score, so a page reads about 1,000 rows for 50 (1-3 ms), as measured.
"""

from django.db import migrations

TABLE = "proctoring_attempt"
OLD = ("dash_attempt_violations_id", "violation_count, id")
NEW = ("dash_attempt_violations_id_trust", "violation_count, id, trust_score")


def replace(drop, create):
    """Create the new index before dropping the old, so the sort is never without one."""
    return [
        f"CREATE INDEX IF NOT EXISTS {create[0]} ON {TABLE} ({create[1]})",
        f"DROP INDEX IF EXISTS {drop[0]}",
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0005_violation_label_index"),
    ]

    operations = [migrations.RunSQL(replace(OLD, NEW), replace(NEW, OLD), elidable=False)]
