"""The sync's bulk writes: COPY on PostgreSQL stores exactly what bulk_create stores elsewhere,
and a page whose new attempts turn out to exist already updates them instead of failing."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from proctoring.models import Attempt, EvidenceRecord
from proctoring.sync import bulk
from proctoring.sync.results import DATA_FIELDS, insert_new

pytestmark = pytest.mark.django_db

AWKWARD_TEXT = 'tab\there, new\nline, back\\slash, "quotes", \\N, naïve ✓, comma, semi;colon'


def attempt_row(attempt_id: str, **changes) -> dict:
    row = {
        "client_id": "tenant",
        "test_attempt_id": attempt_id,
        "lookup_key": "maths-101",
        "candidate_name": AWKWARD_TEXT[:255],
        "candidate_email": "a@example.com",
        "started_at": datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        "submitted_at": None,
        "trust_score": 0.125,
        "evidence_status": "processed",
        "device": "",
        "raw": {"text": AWKWARD_TEXT, "nested": [1, None, {"x": 2.5}]},
    }
    return row | changes


def test_copied_rows_read_back_exactly_as_given_awkward_text_and_json_included():
    bulk.insert(Attempt, [attempt_row("a-1"), attempt_row("a-2", trust_score=None)])

    stored = {a.test_attempt_id: a for a in Attempt.objects.all()}
    assert set(stored) == {"a-1", "a-2"}
    first = stored["a-1"]
    assert first.candidate_name == AWKWARD_TEXT
    assert first.raw == attempt_row("a-1")["raw"]
    assert first.started_at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert first.submitted_at is None and first.trust_score == 0.125
    assert stored["a-2"].trust_score is None
    # Fields the rows leave out take the model's defaults, as with bulk_create.
    assert first.sync_error == "" and first.violation_count == 0
    assert first.first_seen_at is not None and first.evidence_fetched_at is None


def test_evidence_records_are_copied_with_their_foreign_key_and_json():
    attempt = Attempt.objects.create(client_id="tenant", test_attempt_id="a-1")
    rows = [
        {
            "attempt_id": attempt.pk,
            "device": "primary",
            "position": position,
            "label": "tab-switch",
            "is_violation": True,
            "occurred_at": datetime(2026, 3, 1, 9, position, tzinfo=UTC),
            "recorded_at": None,
            "s3_path": None if position else "tenant/a-1/0.png",
            "data_type": "image",
            "misc": {"note": AWKWARD_TEXT},
        }
        for position in range(3)
    ]
    with CaptureQueriesContext(connection) as queries:
        bulk.insert(EvidenceRecord, rows)

    stored = list(attempt.evidence_records.order_by("position").values(*rows[0]))
    assert stored == rows
    # The write is visible to query counting like any other statement.
    assert any("proctoring_evidencerecord" in query["sql"] for query in queries)


def test_a_conflicting_insert_inserts_nothing():
    bulk.insert(Attempt, [attempt_row("a-1")])

    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert(Attempt, [attempt_row("a-2"), attempt_row("a-1")])

    assert list(Attempt.objects.values_list("test_attempt_id", flat=True)) == ["a-1"]


def test_new_attempts_stored_meanwhile_by_another_pass_are_updated_not_failed():
    bulk.insert(Attempt, [attempt_row("a-1", trust_score=0.9)])
    # The page read "a-1" as missing before the other pass stored it.
    page = [attempt_row("a-1", trust_score=0.2), attempt_row("a-2")]

    insert_new(page, [*DATA_FIELDS, "last_synced_at"])

    scores = dict(Attempt.objects.values_list("test_attempt_id", "trust_score"))
    assert scores == {"a-1": 0.2, "a-2": 0.125}
