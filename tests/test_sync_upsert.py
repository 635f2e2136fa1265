"""Storing one results page (proctoring/sync/results.py, `upsert_attempts`), given the attempts
as the client reads them: what is created, updated or left alone, what each change does to the
stored evidence, and what is refused or skipped, with the page's figures that the sync page
shows. Database only: the HTTP side of a pass is tested in test_sync_results.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from autoproctor.values import AttemptData
from proctoring.models import Attempt, ErasureTombstone
from proctoring.sync.results import insert_new, upsert_attempts

pytestmark = pytest.mark.django_db

CLIENT = "tenant-1"
STARTED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def data(test_attempt_id: str = "a-1", **fields) -> AttemptData:
    values = {
        "lookup_key": "maths-101",
        "candidate_name": "Ann Smith",
        "candidate_email": "ann@example.org",
        "started_at": STARTED,
        "submitted_at": STARTED + timedelta(minutes=50),
        "trust_score": 0.9,
        "evidence_status": "processed",
        "device": "laptop",
        "raw": {"testAttemptId": test_attempt_id},
    } | fields
    return AttemptData(test_attempt_id=test_attempt_id, **values)


def stored(test_attempt_id: str = "a-1", client_id: str = CLIENT) -> Attempt:
    return Attempt.objects.get(client_id=client_id, test_attempt_id=test_attempt_id)


def figures(counts) -> tuple:
    return counts.created, counts.updated, counts.unchanged, counts.problems


def test_new_attempts_are_stored_with_every_field_as_sent():
    counts = upsert_attempts(CLIENT, [data("a-1"), data("a-2", trust_score=None, raw=None)])

    assert figures(counts) == (2, 0, 0, [])
    attempt = stored("a-1")
    assert (attempt.lookup_key, attempt.candidate_name, attempt.candidate_email) == (
        "maths-101",
        "Ann Smith",
        "ann@example.org",
    )
    assert (attempt.started_at, attempt.submitted_at) == (STARTED, STARTED + timedelta(minutes=50))
    assert (attempt.trust_score, attempt.evidence_status, attempt.device) == (
        0.9,
        "processed",
        "laptop",
    )
    assert attempt.raw == {"testAttemptId": "a-1"}
    assert attempt.last_synced_at is not None
    assert stored("a-2").trust_score is None
    assert stored("a-2").raw == {}


def test_an_attempt_sent_again_unchanged_is_not_written():
    upsert_attempts(CLIENT, [data()])
    Attempt.objects.update(last_synced_at=timezone.now() - timedelta(days=1))
    before = stored().last_synced_at

    counts = upsert_attempts(CLIENT, [data()])

    assert figures(counts) == (0, 0, 1, [])
    assert stored().last_synced_at == before


@pytest.mark.parametrize(
    "change",
    [
        {"lookup_key": "maths-102"},
        {"candidate_name": "Ann Smyth"},
        {"candidate_email": "ann@example.com"},
        {"started_at": STARTED + timedelta(seconds=1)},
        {"trust_score": 0.5},
        {"device": "tablet"},
        {"raw": {"testAttemptId": "a-1", "note": "new"}},
    ],
    ids=lambda change: next(iter(change)),
)
def test_a_change_is_stored_and_keeps_the_evidence(change):
    upsert_attempts(CLIENT, [data()])
    fetched = timezone.now() - timedelta(hours=1)
    Attempt.objects.update(evidence_fetched_at=fetched)

    counts = upsert_attempts(CLIENT, [data(**change)])

    assert figures(counts) == (0, 1, 0, [])
    attempt = stored()
    for name, value in change.items():
        assert getattr(attempt, name) == value
    assert attempt.evidence_fetched_at == fetched


@pytest.mark.parametrize(
    "change",
    [{"submitted_at": STARTED + timedelta(minutes=55)}, {"evidence_status": "reprocessing"}],
    ids=["submitted_at", "evidence_status"],
)
def test_a_new_submission_or_evidence_status_sends_the_evidence_to_be_fetched_again(change):
    upsert_attempts(CLIENT, [data()])
    Attempt.objects.update(
        evidence_fetched_at=timezone.now(),
        evidence_claimed_until=timezone.now() + timedelta(minutes=5),
    )

    counts = upsert_attempts(CLIENT, [data(**change)])

    assert figures(counts) == (0, 1, 0, [])
    attempt = stored()
    assert (attempt.evidence_fetched_at, attempt.evidence_claimed_until) == (None, None)
    for name, value in change.items():
        assert getattr(attempt, name) == value


def test_a_page_of_new_changed_and_unchanged_attempts_counts_each_once():
    upsert_attempts(CLIENT, [data("a-1"), data("a-2"), data("a-3")])

    counts = upsert_attempts(
        CLIENT,
        [data("a-1"), data("a-2", device="phone"), data("a-3", evidence_status="x"), data("a-4")],
    )

    assert figures(counts) == (1, 2, 1, [])


def test_an_attempt_already_handled_in_this_pass_is_not_stored_or_counted_again():
    # The listing grew while the pass read it: an attempt moved onto the next page.
    seen: set[str] = set()
    first = upsert_attempts(CLIENT, [data("a-1"), data("a-2")], seen=seen)
    assert seen == {"a-1", "a-2"}

    second = upsert_attempts(CLIENT, [data("a-2", device="phone"), data("a-3")], seen=seen)

    assert figures(first) == (2, 0, 0, [])
    assert figures(second) == (1, 0, 0, [])
    assert seen == {"a-1", "a-2", "a-3"}
    assert stored("a-2").device == "laptop"


def test_an_attempt_of_another_tenant_is_another_attempt():
    upsert_attempts("tenant-2", [data(device="phone")])

    counts = upsert_attempts(CLIENT, [data()])

    assert figures(counts) == (1, 0, 0, [])
    assert stored(client_id="tenant-2").device == "phone"
    assert stored(client_id=CLIENT).device == "laptop"


def test_an_erased_attempt_is_not_brought_back():
    ErasureTombstone.objects.create(client_id=CLIENT, test_attempt_id="a-1", reason="erasure")
    ErasureTombstone.objects.create(client_id="tenant-2", test_attempt_id="a-2", reason="erasure")
    ErasureTombstone.objects.create(client_id=CLIENT, test_attempt_id="a-9", reason="retention")

    counts = upsert_attempts(CLIENT, [data("a-1"), data("a-2")])

    assert figures(counts) == (1, 0, 0, [])
    assert list(Attempt.objects.values_list("test_attempt_id", flat=True)) == ["a-2"]


def test_an_attempt_id_longer_than_its_column_is_refused_and_the_rest_stored():
    longest, too_long = "x" * 100, "y" * 101

    counts = upsert_attempts(CLIENT, [data(longest), data(too_long), data("a-1")])

    assert figures(counts) == (
        2,
        0,
        0,
        [f"attempt {'y' * 40!r}...: test_attempt_id: longer than 100 characters, not stored"],
    )
    assert set(Attempt.objects.values_list("test_attempt_id", flat=True)) == {longest, "a-1"}


def test_text_longer_than_its_column_is_cut_to_fit_and_kept_whole_in_raw():
    name = "N" * 300

    upsert_attempts(CLIENT, [data(candidate_name=name, raw={"name": name}, device=None)])

    attempt = stored()
    assert attempt.candidate_name == "N" * 255
    assert attempt.raw == {"name": name}
    assert attempt.device == ""


def test_an_attempt_the_database_refuses_is_reported_and_the_rest_of_the_page_stored():
    upsert_attempts(CLIENT, [data("a-1"), data("a-2"), data("a-5")])
    Attempt.objects.update(evidence_fetched_at=timezone.now())

    counts = upsert_attempts(
        CLIENT,
        [
            data("a-1", trust_score=85),  # a percentage where a fraction belongs
            data("a-2", device="phone"),
            data("a-3", trust_score=85),
            data("a-4"),
            data("a-5", evidence_status="reprocessing"),
            data("z" * 101),
        ],
    )

    assert (counts.created, counts.updated, counts.unchanged) == (1, 2, 0)
    # The id refused before storing comes first; then the new attempts the database refused,
    # then the changed ones, each saying why.
    assert [problem.split(":")[0] for problem in counts.problems] == [
        f"attempt {'z' * 40!r}...",
        "attempt 'a-3'",
        "attempt 'a-1'",
    ]
    for problem in counts.problems[1:]:
        assert "the database refused it (IntegrityError: " in problem
    assert stored("a-1").trust_score == 0.9
    assert stored("a-2").device == "phone"
    assert not Attempt.objects.filter(test_attempt_id="a-3").exists()
    assert stored("a-4").trust_score == 0.9
    assert stored("a-5").evidence_status == "reprocessing"
    assert stored("a-5").evidence_fetched_at is None


def test_a_field_the_answer_no_longer_carries_keeps_its_stored_value():
    upsert_attempts(CLIENT, [data()])

    counts = upsert_attempts(CLIENT, [data(device=None, absent=frozenset({"device"}))])

    assert figures(counts) == (0, 0, 1, [])
    assert stored().device == "laptop"


@pytest.mark.parametrize(
    ("before", "now", "newly_below"),
    [
        (None, 0.5, True),  # new, below
        (None, 0.85, False),  # new, at the threshold: not below
        (None, None, False),  # new, no score yet
        (0.9, 0.5, True),  # dropped below
        (0.85, 0.84, True),  # from the threshold to just below
        (0.5, 0.4, False),  # was below already
        (0.5, None, False),  # the score went away
        (0.9, 0.95, False),
    ],
)
def test_an_attempt_newly_below_the_review_threshold_is_named_for_review(
    settings, before, now, newly_below
):
    settings.REVIEW_THRESHOLD = 0.85
    if before is not None:
        upsert_attempts(CLIENT, [data(trust_score=before)])

    counts = upsert_attempts(CLIENT, [data(trust_score=now)])

    assert counts.newly_below == (["a-1"] if newly_below else [])


def test_new_attempts_another_pass_stored_meanwhile_are_updated_not_lost():
    upsert_attempts(CLIENT, [data("a-1")])
    row = {
        "client_id": CLIENT,
        "test_attempt_id": "a-1",
        "last_synced_at": timezone.now(),
        "device": "phone",
    }

    insert_new([row, row | {"test_attempt_id": "a-2"}], ["device", "last_synced_at"])

    assert stored("a-1").device == "phone"
    assert stored("a-1").candidate_name == "Ann Smith"
    assert stored("a-2").device == "phone"


def test_a_page_of_attempts_already_handled_changes_nothing():
    assert figures(upsert_attempts(CLIENT, [data()], seen={"a-1"})) == (0, 0, 0, [])
    assert figures(upsert_attempts(CLIENT, [])) == (0, 0, 0, [])
    assert not Attempt.objects.exists()


def test_a_pages_changes_are_written_in_one_statement_per_kind_of_change():
    upsert_attempts(CLIENT, [data("a-1"), data("a-2"), data("a-3"), data("a-4"), data("a-5")])
    page = [
        data("a-1"),
        data("a-2", device="phone"),
        data("a-3", trust_score=0.1),
        data("a-4", evidence_status="reprocessing"),
        data("a-5", submitted_at=STARTED),
        data("a-6"),
        data("a-7"),
    ]

    with CaptureQueriesContext(connection) as queries:
        counts = upsert_attempts(CLIENT, page)

    assert figures(counts) == (2, 4, 1, [])
    upserts = [query["sql"] for query in queries if "ON CONFLICT" in query["sql"]]
    assert len(upserts) == 2  # the changed attempts, and those whose evidence went stale


@pytest.mark.parametrize("refused_too", [False, True], ids=["bulk", "attempt by attempt"])
def test_evidence_a_retention_policy_deleted_is_not_queued_again_by_a_change(refused_too):
    upsert_attempts(CLIENT, [data("a-1"), data("a-2"), data("a-3"), data("a-4")])
    purged_at = timezone.now() - timedelta(days=3)
    Attempt.objects.filter(test_attempt_id="a-1").update(
        evidence_fetched_at=purged_at, evidence_purged_at=purged_at
    )
    fetched_before = purged_at - timedelta(days=30)  # purged too, not on the page
    Attempt.objects.filter(test_attempt_id="a-4").update(
        evidence_fetched_at=fetched_before, evidence_purged_at=purged_at
    )
    upsert_attempts("tenant-2", [data("a-1")])
    Attempt.objects.filter(client_id="tenant-2").update(evidence_purged_at=purged_at)
    Attempt.objects.filter(test_attempt_id="a-2").update(evidence_fetched_at=timezone.now())
    page = [data("a-1", evidence_status="reprocessing"), data("a-2", evidence_status="x")]
    if refused_too:  # the page falls back to storing attempt by attempt
        page.append(data("a-3", trust_score=85))

    upsert_attempts(CLIENT, page)

    assert stored("a-1").evidence_fetched_at == purged_at  # stays out of the evidence queue
    assert stored("a-1").evidence_status == "reprocessing"
    assert stored("a-2").evidence_fetched_at is None  # not purged: fetched again
    assert stored("a-1", client_id="tenant-2").evidence_fetched_at is None  # another tenant's
    assert stored("a-4").evidence_fetched_at == fetched_before
