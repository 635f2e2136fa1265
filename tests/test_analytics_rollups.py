"""What a test's page reads from the figures the worker keeps equals a recomputation from the
attempts and their evidence: the violation cells (analytics.minutes: per test, label and
minute, with each attempt's share) and the attempts' keys (analytics.candidate_keys), after a
real sync from the simulator, after a pass that replaced some attempts' evidence, after purges
and deletions. A refresh recounts only the attempts it is given."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.functions import Lower, Trim
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import candidate_keys, minutes
from analytics.models import AttemptKey, AttemptMinute, ViolationMinute
from proctoring import signals
from proctoring.models import Attempt, EvidenceRecord
from proctoring.sync import run_full_pass, sync_results
from retention import erasure
from tests.fixtures.data import make_attempt
from tests.sync_support import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def evidence_in_the_test_thread(settings):
    """Pool threads have connections of their own, which cannot see this test's transaction."""
    settings.SYNC_EVIDENCE_WORKERS = settings.SYNC_EVIDENCE_MAX_CONCURRENCY = 1


def kept_cells() -> dict:
    return {
        (cell.lookup_key, cell.label, cell.minute): (cell.violations, cell.attempts)
        for cell in ViolationMinute.objects.all()
    }


def recomputed_cells() -> dict:
    keys = Attempt.objects.exclude(lookup_key="").values_list("lookup_key", flat=True).distinct()
    return {
        (key, label, minute): figures
        for key in keys
        for (label, minute), figures in minutes.recount(key).items()
    }


def kept_shares() -> dict:
    return {
        (attempt_id, (key, label, minute)): n
        for attempt_id, key, label, minute, n in AttemptMinute.objects.values_list(
            "attempt_id", "cell__lookup_key", "cell__label", "cell__minute", "violations"
        )
    }


def kept_keys() -> set:
    return set(
        AttemptKey.objects.values_list(
            "attempt_id", "lookup_key", "email_key", "name_key", "trust_score"
        )
    )


def recomputed_keys() -> set:
    """The keys as the groups compared them before they were kept: the database's own LOWER
    and TRIM (SQLite lowers ASCII letters only; PostgreSQL every letter)."""
    return set(
        Attempt.objects.exclude(lookup_key="")
        .annotate(email=Lower(Trim("candidate_email")), name=Lower(Trim("candidate_name")))
        .values_list("pk", "lookup_key", "email", "name", "trust_score")
    )


def assert_kept_equal_recomputed() -> None:
    assert kept_cells() == recomputed_cells()
    assert kept_shares() == minutes.counted_shares(
        list(Attempt.objects.values_list("pk", flat=True))
    )
    assert kept_keys() == recomputed_keys()


def violations_of(attempt) -> int:
    return attempt.evidence_records.filter(is_violation=True).count()


def test_a_sync_keeps_the_cells_and_keys_equal_to_the_evidence(simulator):
    run_full_pass(client_for(simulator))
    assert EvidenceRecord.objects.filter(is_violation=True).count() > 50
    assert ViolationMinute.objects.filter(minute__isnull=False).count() > 10
    assert_kept_equal_recomputed()


def test_a_results_pass_alone_keys_the_attempts_it_wrote(simulator):
    sync_results(client=client_for(simulator))
    assert AttemptKey.objects.count() == Attempt.objects.exclude(lookup_key="").count() > 0
    assert kept_keys() == recomputed_keys()
    # A later pass that renames one attempt and moves another out of every test.
    since = timezone.now()
    renamed, moved, untouched = Attempt.objects.order_by("pk")[:3]
    Attempt.objects.filter(pk=renamed.pk).update(
        candidate_name="  Zoë NEW ",
        candidate_email="New@Example.org",
        trust_score=0.125,
        last_synced_at=since,
    )
    Attempt.objects.filter(pk=moved.pk).update(lookup_key="", last_synced_at=since)
    Attempt.objects.filter(pk=untouched.pk).update(candidate_name="Not synced")
    signals.announce(signals.attempts_synced, run_id=None, since=since)
    assert AttemptKey.objects.get(attempt=renamed).email_key == "new@example.org"
    assert AttemptKey.objects.get(attempt=renamed).trust_score == 0.125  # re-scored
    assert not AttemptKey.objects.filter(attempt=moved).exists()
    assert AttemptKey.objects.get(attempt=untouched).name_key != "not synced"  # not re-read


def replace_evidence(attempt, *rows):
    """What a pass storing new evidence does: the attempt's records replaced in one go."""
    attempt.evidence_records.all().delete()
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    EvidenceRecord.objects.bulk_create(
        EvidenceRecord(
            attempt=attempt,
            position=i,
            label=label,
            is_violation=True,
            occurred_at=None if minute is None else start + timedelta(minutes=minute, seconds=i),
        )
        for i, (label, minute) in enumerate(rows)
    )


def test_evidence_stored_again_is_recounted_for_those_attempts_only(simulator):
    run_full_pass(client_for(simulator))
    changed, other = Attempt.objects.filter(violation_count__gt=0).order_by("pk")[:2]
    replace_evidence(changed, ("tab-switch", 3), ("tab-switch", 3), ("phone", 4), ("phone", None))
    others_before = set(AttemptMinute.objects.exclude(attempt_id=changed.pk).values_list("pk"))
    assert (
        kept_cells() != recomputed_cells()
    )  # the evidence moved on; the cells wait for the worker
    with CaptureQueriesContext(connection) as queries:
        signals.announce(signals.evidence_changed, attempt_ids=[changed.pk])
    assert kept_cells() == recomputed_cells()
    assert_kept_equal_recomputed()
    # Only the changed attempt's shares were rewritten, in a fixed number of statements.
    assert set(AttemptMinute.objects.exclude(attempt_id=changed.pk).values_list("pk")) == (
        others_before
    )
    assert len(queries) <= 20
    assert violations_of(other) > 0


def test_purges_and_deletions_take_the_attempts_out_of_the_cells(simulator):
    run_full_pass(client_for(simulator))
    first, second, third = Attempt.objects.filter(violation_count__gt=0).order_by("pk")[:3]
    erasure.delete_evidence([first.pk])
    erasure.erase_attempts([second.pk], "test")
    erasure.delete_attempts([third.pk], "test")
    assert not AttemptMinute.objects.filter(attempt_id__in=[first.pk, second.pk, third.pk])
    assert AttemptKey.objects.get(attempt=second).email_key == ""
    assert_kept_equal_recomputed()


def test_a_rebuild_gives_what_the_passes_kept(simulator):
    run_full_pass(client_for(simulator))
    cells, shares = kept_cells(), kept_shares()
    minutes.rebuild()
    candidate_keys.rebuild()
    assert (kept_cells(), kept_shares()) == (cells, shares)
    assert kept_keys() == recomputed_keys()


def test_attempts_without_a_test_and_cells_left_empty_are_not_kept():
    loose = make_attempt(lookup_key="")
    one = make_attempt(lookup_key="exam")
    replace_evidence(loose, ("tab-switch", 1))
    replace_evidence(one, ("tab-switch", 1), ("noise", 2))
    minutes.refresh([loose.pk, one.pk])
    assert set(kept_cells()) == {key for key in recomputed_cells()}
    assert {key for key, _, _ in kept_cells()} == {"exam"}
    replace_evidence(one, ("noise", 2))
    minutes.refresh([one.pk])
    assert kept_cells() == recomputed_cells()
    assert [label for _, label, _ in kept_cells()] == ["noise"]  # the emptied cell is gone


def test_a_cell_another_refresh_created_meanwhile_is_added_to_not_overwritten():
    """Two refreshes (a pass and a purge) may both find a cell missing; the one that creates
    it second must add its change to the first one's figures, not write over them."""
    minute = timezone.now().replace(second=0, microsecond=0)
    theirs, ours = ("exam", "noise", minute), ("exam", "tab-switch", minute)
    ViolationMinute.objects.create(
        lookup_key="exam", label="noise", minute=minute, violations=5, attempts=2
    )
    change = {theirs: [1, 1], ours: [3, 1]}
    assert minutes.create_cells({theirs, ours}, change) == {}  # to be added as changes
    assert kept_cells() == {theirs: (5, 2), ours: (0, 0)}
    assert minutes.create_cells({("exam", "phone", minute)}, {("exam", "phone", minute): [2, 1]})
    assert kept_cells()[("exam", "phone", minute)] == (2, 1)


def test_created_cells_come_back_each_with_its_own_id():
    """The ids a creation returns are matched to their cells by value (the untimed cell too),
    never by the order the database returned them in."""
    minute = timezone.now().replace(second=0, microsecond=0)
    change = {
        ("exam", "noise", minute): [1, 1],
        ("exam", "noise", None): [2, 1],
        ("exam", "phone", minute - timedelta(minutes=1)): [3, 2],
        ("quiz", "noise", minute): [4, 3],
    }
    created = minutes.create_cells(set(change), change)
    stored = {
        (cell.lookup_key, cell.label, cell.minute): (cell.pk, cell.violations, cell.attempts)
        for cell in ViolationMinute.objects.all()
    }
    assert created == {cell: pk for cell, (pk, _, _) in stored.items()}
    assert {cell: [v, a] for cell, (_, v, a) in stored.items()} == change
