"""Tolerant parsing of AutoProctor's JSON into typed values: one bad item never sinks the rest."""

from datetime import UTC, date, datetime, timedelta

import pytest

from autoproctor.values import (
    Invalid,
    evidence_data_type,
    parse_attempt,
    parse_attempt_list,
    parse_evidence,
    parse_usage,
    presigned_url_expiry,
)

FULL_ATTEMPT = {
    "test_attempt_id": "att-1",
    "lookup_key": "maths-101",
    "user_details": {"name": "Ada Lovelace", "email": "ada@example.org"},
    "started_at": "2026-11-02T09:00:00Z",
    "submitted_at": "2026-11-02T09:45:30+01:00",
    "trust_score": 0.82,
    "evidence_status": "processed",
    "device": "desktop",
    "browser": "firefox",
}


def test_an_attempt_is_read_with_aware_utc_times():
    attempt = parse_attempt(FULL_ATTEMPT)
    assert attempt.test_attempt_id == "att-1"
    assert attempt.lookup_key == "maths-101"
    assert attempt.candidate_name == "Ada Lovelace"
    assert attempt.candidate_email == "ada@example.org"
    assert attempt.started_at == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert attempt.submitted_at == datetime(2026, 11, 2, 8, 45, 30, tzinfo=UTC)
    assert attempt.trust_score == 0.82
    assert attempt.evidence_status == "processed"
    assert attempt.evidence_ready
    assert attempt.device == "desktop"


def test_unknown_fields_of_an_attempt_are_kept_in_raw():
    assert parse_attempt(FULL_ATTEMPT).raw["browser"] == "firefox"


def test_missing_optional_fields_become_none():
    attempt = parse_attempt({"test_attempt_id": "att-2"})
    assert attempt.lookup_key is None
    assert attempt.candidate_name is None
    assert attempt.candidate_email is None
    assert attempt.started_at is None
    assert attempt.submitted_at is None
    assert attempt.trust_score is None
    assert attempt.evidence_status is None
    assert not attempt.evidence_ready


def test_an_unknown_evidence_status_is_kept_as_sent_and_counts_as_not_ready():
    attempt = parse_attempt({"test_attempt_id": "a", "evidence_status": "archived"})
    assert attempt.evidence_status == "archived"
    assert not attempt.evidence_ready


def test_naive_timestamps_are_taken_as_utc():
    attempt = parse_attempt({"test_attempt_id": "a", "started_at": "2026-11-02T09:00:00"})
    assert attempt.started_at == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("score", [1.5, -0.1, 85, "nan", "high", True])
def test_a_trust_score_outside_zero_to_one_is_refused(score):
    with pytest.raises(Invalid) as raised:
        parse_attempt({"test_attempt_id": "a", "trust_score": score})
    assert raised.value.field == "trust_score"


def test_a_trust_score_of_zero_or_one_is_kept():
    assert parse_attempt({"test_attempt_id": "a", "trust_score": 0}).trust_score == 0.0
    assert parse_attempt({"test_attempt_id": "a", "trust_score": 1}).trust_score == 1.0


def test_a_page_with_bad_items_reports_them_and_keeps_the_rest():
    items = [
        FULL_ATTEMPT,
        {**FULL_ATTEMPT, "test_attempt_id": "bad-score", "trust_score": 7},
        {**FULL_ATTEMPT, "test_attempt_id": "bad-time", "started_at": "yesterday"},
        {**FULL_ATTEMPT, "test_attempt_id": None},
        "not an object",
        {**FULL_ATTEMPT, "test_attempt_id": "att-9"},
    ]
    attempts, problems = parse_attempt_list(items, where="results page 3")
    assert [a.test_attempt_id for a in attempts] == ["att-1", "att-9"]
    assert [(p.item, p.field) for p in problems] == [
        ("attempt 'bad-score'", "trust_score"),
        ("attempt 'bad-time'", "started_at"),
        ("results page 3, item 4", "test_attempt_id"),
        ("results page 3, item 5", "(item)"),
    ]
    assert "outside 0..1" in problems[0].message
    assert "'yesterday' is not a timestamp" in problems[1].message


EVIDENCE = {
    "primary_device_evidence": [
        {
            "label": "no-face-looking-at-camera",
            "violation": True,
            "occurred_at_ISO": "2026-11-02T09:10:00Z",
            "recorded_at_ISO": "2026-11-02T09:10:02Z",
            "evidence_url": "tenant/att-1/0001.png",
            "misc_data": {"data_type": "image"},
        },
        {
            "label": "noise-detected",
            "violation": True,
            "occurred_at_ISO": "2026-11-02T09:11:00Z",
            "recorded_at_ISO": "2026-11-02T09:11:07Z",
            "evidence_url": "tenant/att-1/0002.webm",
            "misc_data": {"data_type": "audio", "duration_s": 7},
        },
        {
            "label": "looked-at-the-ceiling",
            "violation": False,
            "occurred_at_ISO": "2026-11-02T09:12:00Z",
            "recorded_at_ISO": None,
            "evidence_url": None,
            "misc_data": {},
            "new_field": 1,
        },
    ],
    "aux_device_evidence": [
        {"label": "multiple-faces-detected", "violation": True, "occurred_at_ISO": "x"},
        {"label": "multiple-faces-detected", "violation": True, "evidence_url": None},
    ],
}


def test_evidence_records_carry_device_position_and_data_type():
    bundle = parse_evidence(EVIDENCE)
    summary = [(r.device, r.position, r.label, r.is_violation, r.data_type) for r in bundle.records]
    assert summary == [
        ("primary", 0, "no-face-looking-at-camera", True, "image"),
        ("primary", 1, "noise-detected", True, "audio"),
        ("primary", 2, "looked-at-the-ceiling", False, "none"),
        ("aux", 1, "multiple-faces-detected", True, "none"),
    ]
    first = bundle.records[0]
    assert first.s3_path == "tenant/att-1/0001.png"
    assert first.occurred_at == datetime(2026, 11, 2, 9, 10, tzinfo=UTC)
    assert bundle.records[1].misc == {"data_type": "audio", "duration_s": 7}
    assert bundle.records[2].raw["new_field"] == 1


def test_an_evidence_record_with_a_bad_timestamp_is_reported_not_kept():
    bundle = parse_evidence(EVIDENCE)
    assert [(p.item, p.field) for p in bundle.problems] == [
        ("aux device evidence, item 1", "occurred_at_ISO")
    ]


def test_a_record_without_its_violation_flag_is_reported():
    bundle = parse_evidence({"primary_device_evidence": [{"label": "tab-switch"}]})
    assert bundle.records == []
    assert bundle.problems[0].field == "violation"


def test_the_data_type_falls_back_to_the_file_name():
    assert evidence_data_type("a/b.PNG", {}) == "image"
    assert evidence_data_type("a/b.mp3", {"data_type": "weird"}) == "audio"
    assert evidence_data_type(None, {}) == "none"


def test_usage_figures_and_period_dates_are_read():
    usage = parse_usage(
        {
            "credits_remaining": 412,
            "credits_used": "1588",
            "period_start": "2026-11-01",
            "period_end": "2026-11-30",
            "usage_by_lookup_key": [{"lookup_key": "k", "attempts": 40, "credits": 52}, "junk"],
        }
    )
    assert usage.credits_remaining == 412
    assert usage.credits_used == 1588
    assert usage.period_start == date(2026, 11, 1)
    assert usage.period_end == date(2026, 11, 30)
    assert usage.usage_by_lookup_key == [{"lookup_key": "k", "attempts": 40, "credits": 52}]


def test_a_credit_figure_that_is_not_a_number_is_refused():
    with pytest.raises(Invalid):
        parse_usage({"credits_remaining": "lots"})


NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def test_a_presigned_url_expires_when_its_amz_date_and_expires_say():
    url = "https://s3.example.org/f.png?X-Amz-Date=20261102T115500Z&X-Amz-Expires=900&X-Amz-Signature=ab"
    assert presigned_url_expiry(url, NOW) == datetime(2026, 11, 2, 12, 10, tzinfo=UTC)


def test_a_presigned_url_without_an_expiry_lives_fifteen_minutes():
    assert presigned_url_expiry("https://s3.example.org/f.png", NOW) == NOW + timedelta(minutes=15)
