"""What keeps each batch of a purge reading its own rows, however large the attempts table:
the plans PostgreSQL chooses for the questions a batch asks."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from retention import policies
from retention.forget import Person, _no_longer_kept
from retention.holds import hold_place
from tests.fixtures.data import make_attempt

pytestmark = pytest.mark.django_db


def test_asking_whether_another_attempt_still_holds_an_email_reads_an_index():
    """Each batch of a purge asks which erased emails another attempt still holds, in any case:
    on PostgreSQL that is an index lookup, not a read of the whole attempts table."""
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN plans are checked on PostgreSQL")
    make_attempt(candidate_email=" Ann@Example.org ")
    gone = [Person(0, "t-gone", "ann@example.org", "Ann"), Person(0, "t-x", "x@y.org", "X")]
    with CaptureQueriesContext(connection) as queries:
        assert _no_longer_kept(gone) == [gone[1]]
    (select,) = [query["sql"] for query in queries]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {select}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "attempt_email_folded_idx" in plan, plan


@pytest.mark.parametrize("due", [policies.evidence_due, policies.attempts_due])
def test_a_batch_reads_the_attempts_table_once_whatever_the_holds(due, settings, test_admin):
    """The legal holds are probed for the batch's rows; excluding "every held attempt" read
    the whole attempts table again for each batch."""
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN plans are checked on PostgreSQL")
    settings.RETAIN_EVIDENCE_DAYS = settings.RETAIN_ATTEMPTS_DAYS = 1
    held = make_attempt(lookup_key="physics-201")
    hold_place(user=test_admin, attempt=held, reason="appeal pending")
    hold_place(user=test_admin, lookup_key="chemistry-1", reason="investigation")
    batch = due(timezone.now()).filter(pk__gt=0).order_by("pk").values_list("pk", flat=True)
    plan = batch[:500].explain()
    assert plan.count("on proctoring_attempt") == 1, plan
