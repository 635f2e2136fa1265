"""The "has violation" filter of the attempts list reads the violations' (label, attempt) index
(EvidenceRecord.Meta) instead of every evidence record, so counting its matches stays cheap
on millions of records."""

import pytest
from django.db import connection

from dashboard.filters import AttemptFilter
from dashboard.pagination import capped_count
from dashboard.selectors import attempt_list
from tests.fixtures.data import make_attempts, make_records
from tests.fixtures.personas import unscoped_user

pytestmark = pytest.mark.django_db


def plan_of(sql, params):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row) for row in cursor.fetchall())


def test_counting_the_attempts_with_one_violation_reads_the_label_index():
    for attempt in make_attempts(3):
        make_records(attempt, "tab-switch", "noise-detected")
    filtered = AttemptFilter({"violation": "tab-switch"}, queryset=attempt_list(unscoped_user())).qs
    counted = filtered.order_by().values("pk")[:10_001]
    sql, params = counted.query.sql_with_params()

    count_sql = f"SELECT COUNT(*) FROM ({sql}) t"  # noqa: S608 - the ORM's own SQL
    # On a few rows both indexes led by the label cost the same, and which one the planner
    # takes depends on the statistics; either way no evidence record is read but the label's.
    plan = plan_of(count_sql, params)
    assert "dash_violation_label_attempt" in plan or "evidence_label_idx" in plan, plan
    assert "Seq Scan on proctoring_evidencerecord" not in plan
    assert capped_count(filtered) == 3
