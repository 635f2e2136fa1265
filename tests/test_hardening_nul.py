"""Text no database can hold, sent by AutoProctor: a NUL in a candidate's name (PostgreSQL's
text and jsonb refuse it) must not stop the results pass, and an attempt the database still
refuses is a problem of its own while the rest of its page is stored."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from autoproctor.storable import loads
from autoproctor.values import AttemptData
from proctoring.models import Attempt, SyncRun
from proctoring.sync import sync_results
from proctoring.sync.results import upsert_attempts
from tests.sync_support import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def evidence_in_the_test_thread(settings):
    settings.SYNC_EVIDENCE_WORKERS = 1


def test_a_candidate_name_with_a_nul_does_not_stop_the_results_pass(simulator):
    [hostile] = simulator.dataset.add_attempts(
        user_details={"name": "Ann\x00Lee", "email": "ann@example.com\x00"},
        extra={"note\x00key": ["x\x00y", {"deep": "\x00"}]},
    )

    run = sync_results(client_for(simulator))

    assert (run.status, run.failed) == (SyncRun.Status.SUCCEEDED, 0), run.error_summary
    assert Attempt.objects.count() == len(simulator.dataset.attempts)
    stored = Attempt.objects.get(test_attempt_id=hostile)
    assert stored.candidate_name == "Ann\ufffdLee"
    assert stored.candidate_email == "ann@example.com\ufffd"
    assert stored.raw["user_details"]["name"] == "Ann\ufffdLee"
    assert stored.raw["extra"] == {"note\ufffdkey": ["x\ufffdy", {"deep": "\ufffd"}]}


def test_a_second_pass_over_the_cleaned_attempt_changes_nothing(simulator):
    simulator.dataset.add_attempts(user_details={"name": "\x00", "email": None})
    client = client_for(simulator)
    sync_results(client)

    run = sync_results(client)

    assert (run.status, run.created, run.updated) == (SyncRun.Status.SUCCEEDED, 0, 0)


def attempt(test_attempt_id: str, name: str) -> AttemptData:
    return AttemptData(
        test_attempt_id=test_attempt_id,
        lookup_key="exam",
        candidate_name=name,
        candidate_email=None,
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        submitted_at=None,
        trust_score=None,
        evidence_status="processing",
        device=None,
        raw={"test_attempt_id": test_attempt_id},
    )


def unstorable_name() -> str:
    """A value this database itself refuses (a lone surrogate is no UTF-8; PostgreSQL also
    refuses NUL)."""
    return "Bad\x00Name" if connection.vendor == "postgresql" else "Bad\ud800Name"


def test_an_attempt_the_database_refuses_is_a_problem_and_the_rest_of_its_page_is_stored():
    page = [attempt("good-1", "Ann"), attempt("bad", unstorable_name()), attempt("good-2", "Bo")]

    counts = upsert_attempts("client", page)

    assert sorted(Attempt.objects.values_list("test_attempt_id", flat=True)) == [
        "good-1",
        "good-2",
    ]
    assert counts.created == 2
    [problem] = counts.problems
    assert problem.startswith("attempt 'bad': the database refused it")
    assert "\x00" not in problem


def test_an_update_the_database_refuses_leaves_the_stored_attempt_and_updates_the_others():
    upsert_attempts("client", [attempt("one", "Ann"), attempt("two", "Bo")])

    counts = upsert_attempts("client", [attempt("one", unstorable_name()), attempt("two", "Bea")])

    assert dict(Attempt.objects.values_list("test_attempt_id", "candidate_name")) == {
        "one": "Ann",
        "two": "Bea",
    }
    assert (counts.updated, len(counts.problems)) == (1, 1)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (b'{"a\\u0000": "x\\u0000y"}', {"a\ufffd": "x\ufffdy"}),
        (b'["\\ud800", "\\ud83d\\ude00"]', ["\ufffd", "\U0001f600"]),
        (b'{"plain": "\\\\u0000"}', {"plain": "\\u0000"}),
    ],
)
def test_decoded_json_is_made_storable_and_nothing_else_changes(document, expected):
    assert loads(document) == expected
