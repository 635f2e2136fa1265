"""Model constraints the sync relies on: the natural key, nullable scores, faithful JSON."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from proctoring.models import Attempt, EvidenceRecord

pytestmark = pytest.mark.django_db


def make_attempt(**fields):
    values = {"client_id": "client-1", "test_attempt_id": "attempt-1"}
    values.update(fields)
    return Attempt.objects.create(**values)


def test_an_attempt_id_is_unique_per_client_only():
    make_attempt()
    make_attempt(client_id="client-2")  # the same id in another tenant is another attempt
    with pytest.raises(IntegrityError), transaction.atomic():
        make_attempt()
    assert Attempt.objects.count() == 2


def test_trust_score_may_be_null_until_the_attempt_is_scored():
    attempt = make_attempt(trust_score=None)
    attempt.refresh_from_db()
    assert attempt.trust_score is None
    assert attempt.trust_percent is None


def test_trust_score_outside_zero_to_one_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_attempt(trust_score=85.0)  # a percentage where a fraction belongs


def test_raw_json_round_trips_unicode_and_unknown_fields():
    raw = {
        "test_attempt_id": "ünï côdé/+#",
        "user_details": {"name": "Zoë Ångström", "email": "zoë@example.org"},
        "future_field": [1, {"nested": "日本語"}],
    }
    attempt = make_attempt(test_attempt_id=raw["test_attempt_id"], raw=raw)
    attempt.refresh_from_db()
    assert attempt.raw == raw
    assert Attempt.objects.get(test_attempt_id="ünï côdé/+#").pk == attempt.pk


def test_evidence_records_are_unique_by_device_and_position():
    attempt = make_attempt()
    EvidenceRecord.objects.create(attempt=attempt, device="primary", position=0, label="tab-switch")
    EvidenceRecord.objects.create(attempt=attempt, device="aux", position=0, label="tab-switch")
    with pytest.raises(IntegrityError), transaction.atomic():
        EvidenceRecord.objects.create(
            attempt=attempt, device="primary", position=0, label="noise-detected"
        )


def test_deleting_an_attempt_removes_its_records():
    attempt = make_attempt(submitted_at=timezone.now())
    EvidenceRecord.objects.create(attempt=attempt, position=0, label="photo-taken", s3_path=None)
    attempt.delete()
    assert EvidenceRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("trust_score", "0.5"),
        ("submitted_at", "2026-01-01"),
        ("lookup_key", "x"),
        ("evidence_status", "x"),
        ("candidate_email", "x"),
    ],
)
def test_postgresql_uses_an_index_for_each_dashboard_filter(column, value):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN plans are checked on PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'proctoring_attempt' "
            "AND indexdef LIKE %s",
            [f"%btree ({column}%"],
        )
        leading = {row[0] for row in cursor.fetchall()}
        # On a tiny table the planner rightly prefers a scan; forbid it to see that an index
        # led by this column exists and is usable for this filter.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT id FROM proctoring_attempt WHERE {column} = %s",  # noqa: S608
            [value],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert leading, f"no index is led by {column}"
    assert any(name in plan for name in leading), plan
