"""Retention on a fixed clock: what each policy removes, what a legal hold keeps, the purge
log, and that an erased attempt stays erased through a full sweep of the simulator."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import audit_record
from proctoring.models import Attempt, ErasureTombstone, EvidenceRecord, SyncRun
from proctoring.sync import run_full_pass, sync_evidence, sync_results
from retention.holds import hold_place, hold_release
from retention.models import LegalHold, PurgeLogEntry
from retention.sweep import apply_retention
from review.models import ReviewNote, ReviewState, VerdictChange
from review.services import add_note, set_verdict
from tests.fixtures.data import make_attempt, make_records
from tests.sync_support import client_for

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def submitted(days_ago: int, **fields) -> Attempt:
    """An attempt submitted `days_ago` days before NOW, with two evidence records."""
    at = NOW - timedelta(days=days_ago)
    attempt = make_attempt(started_at=at - timedelta(hours=1), submitted_at=at, **fields)
    make_records(attempt, "tab-switch", "multiple-faces")
    attempt.refresh_from_db()
    return attempt


@pytest.fixture
def policies(settings):
    """Every policy off; a test turns on what it is about."""
    settings.RETAIN_EVIDENCE_DAYS = 0
    settings.RETAIN_ATTEMPTS_DAYS = 0
    settings.RETAIN_ATTEMPTS_ACTION = "erase"
    settings.RETAIN_AUDIT_DAYS = 0
    settings.RETAIN_SYNC_RUNS_DAYS = 0
    return settings


def test_with_every_policy_at_zero_nothing_goes(policies):
    old = submitted(3000)
    assert apply_retention(now=NOW) == []
    assert Attempt.objects.get(pk=old.pk).candidate_email
    assert EvidenceRecord.objects.filter(attempt=old).count() == 2
    assert not PurgeLogEntry.objects.exists()


def test_old_evidence_goes_and_its_attempt_stays(policies):
    policies.RETAIN_EVIDENCE_DAYS = 30
    old, young = submitted(31), submitted(29)

    apply_retention(now=NOW)

    assert not EvidenceRecord.objects.filter(attempt=old).exists()
    assert EvidenceRecord.objects.filter(attempt=young).count() == 2
    kept = Attempt.objects.get(pk=old.pk)
    assert (kept.candidate_email, kept.trust_score) == (old.candidate_email, old.trust_score)
    (entry,) = PurgeLogEntry.objects.all()
    assert (entry.kind, entry.count, entry.policy) == ("evidence", 1, "RETAIN_EVIDENCE_DAYS=30")
    assert entry.cutoff == NOW - timedelta(days=30)


def test_old_attempts_are_erased_keeping_their_figures_for_statistics(policies):
    policies.RETAIN_ATTEMPTS_DAYS = 365
    old = submitted(400, raw={"user_details": {"name": "Ann", "email": "ann@example.org"}})
    young = submitted(300)

    apply_retention(now=NOW)

    erased = Attempt.objects.get(pk=old.pk)
    assert (erased.candidate_name, erased.candidate_email, erased.raw) == ("", "", {})
    assert not EvidenceRecord.objects.filter(attempt=old).exists()
    figures = ("trust_score", "violation_count", "lookup_key", "submitted_at", "started_at")
    assert [getattr(erased, name) for name in figures] == [getattr(old, name) for name in figures]
    assert ErasureTombstone.objects.filter(test_attempt_id=old.test_attempt_id).exists()
    assert Attempt.objects.get(pk=young.pk).candidate_email == young.candidate_email
    (entry,) = PurgeLogEntry.objects.all()
    assert (entry.kind, entry.count) == ("attempts_erased", 1)


def test_a_recent_verdict_keeps_an_old_attempt(policies, test_admin):
    policies.RETAIN_ATTEMPTS_DAYS = 365
    judged = submitted(400)
    set_verdict(user=test_admin, attempt=judged, verdict="cleared", reason="fine")
    ReviewState.objects.filter(attempt=judged).update(reviewed_at=NOW - timedelta(days=10))

    apply_retention(now=NOW)
    assert Attempt.objects.get(pk=judged.pk).candidate_email == judged.candidate_email

    apply_retention(now=NOW + timedelta(days=356))
    assert Attempt.objects.get(pk=judged.pk).candidate_email == ""


def test_in_delete_mode_the_attempt_and_its_review_history_go(policies, test_admin):
    policies.RETAIN_ATTEMPTS_DAYS = 365
    policies.RETAIN_ATTEMPTS_ACTION = "delete"
    old = submitted(400)
    set_verdict(user=test_admin, attempt=old, verdict="violation", reason="phone")
    ReviewState.objects.filter(attempt=old).update(reviewed_at=NOW - timedelta(days=380))
    add_note(user=test_admin, attempt=old, text="seen")

    apply_retention(now=NOW)

    assert not Attempt.objects.filter(pk=old.pk).exists()
    assert not VerdictChange.objects.filter(attempt_id=old.pk).exists()
    assert not ReviewNote.objects.filter(attempt_id=old.pk).exists()
    assert ErasureTombstone.objects.filter(test_attempt_id=old.test_attempt_id).exists()
    # The audit trail of what was done stays, no longer pointing at the deleted attempt.
    assert AuditEvent.objects.filter(action="verdict.set", attempt__isnull=True).exists()
    assert PurgeLogEntry.objects.get().kind == "attempts_deleted"


def test_a_legal_hold_on_an_attempt_or_on_its_test_keeps_it_until_released(policies, test_admin):
    policies.RETAIN_EVIDENCE_DAYS = 30
    policies.RETAIN_ATTEMPTS_DAYS = 30
    held = submitted(400, lookup_key="physics-201")
    of_held_test = submitted(400, lookup_key="chemistry-1")
    free = submitted(400, lookup_key="physics-201")
    hold = hold_place(user=test_admin, attempt=held, reason="appeal pending")
    hold_place(user=test_admin, lookup_key="chemistry-1", reason="investigation")

    apply_retention(now=NOW)

    for kept in (held, of_held_test):
        assert Attempt.objects.get(pk=kept.pk).candidate_email == kept.candidate_email
        assert EvidenceRecord.objects.filter(attempt=kept).count() == 2
    assert Attempt.objects.get(pk=free.pk).candidate_email == ""

    hold_release(user=test_admin, hold=hold, reason="appeal decided")
    apply_retention(now=NOW)
    assert Attempt.objects.get(pk=held.pk).candidate_email == ""
    assert Attempt.objects.get(pk=of_held_test.pk).candidate_email == of_held_test.candidate_email
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"hold.place", "hold.release"} <= actions


def test_old_audit_events_and_sync_runs_go_but_the_latest_run_of_each_stage_stays(policies):
    policies.RETAIN_AUDIT_DAYS = 90
    policies.RETAIN_SYNC_RUNS_DAYS = 14
    old_event = audit_record(user=None, action="export.csv", summary="old")
    AuditEvent.objects.filter(pk=old_event.pk).update(at=NOW - timedelta(days=91))
    new_event = audit_record(user=None, action="export.csv", summary="new")
    AuditEvent.objects.filter(pk=new_event.pk).update(at=NOW - timedelta(days=89))
    old_run, latest_old_run = (
        SyncRun.objects.create(
            kind="usage", status="succeeded", started_at=NOW - timedelta(days=days)
        )
        for days in (30, 20)
    )
    young_run = SyncRun.objects.create(
        kind="results", status="succeeded", mode="full", started_at=NOW - timedelta(days=1)
    )

    apply_retention(now=NOW)

    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [new_event.pk]
    remaining = set(SyncRun.objects.values_list("pk", flat=True))
    assert remaining == {latest_old_run.pk, young_run.pk}
    assert old_run.pk not in remaining
    logged = dict(PurgeLogEntry.objects.values_list("kind", "count"))
    assert logged == {"audit_events": 1, "sync_runs": 1}


def test_old_audit_events_about_a_held_attempt_or_test_stay(policies, test_admin):
    policies.RETAIN_AUDIT_DAYS = 90
    held = make_attempt(lookup_key="physics-201")
    of_held_test = make_attempt(lookup_key="chemistry-1")
    free = make_attempt(lookup_key="physics-201")
    hold_place(user=test_admin, attempt=held, reason="appeal pending")
    hold_place(user=test_admin, lookup_key="chemistry-1", reason="investigation")
    events = {
        name: audit_record(user=None, action="evidence.view", attempt=attempt, summary=name)
        for name, attempt in (
            ("held", held),
            ("test", of_held_test),
            ("free", free),
            ("none", None),
        )
    }
    AuditEvent.objects.filter(pk__in=[event.pk for event in events.values()]).update(
        at=NOW - timedelta(days=91)
    )

    apply_retention(now=NOW)

    kept = set(AuditEvent.objects.filter(action="evidence.view").values_list("summary", flat=True))
    assert kept == {"held", "test"}


def test_a_dry_run_lists_what_would_go_and_changes_nothing(policies, capsys):
    policies.RETAIN_EVIDENCE_DAYS = 30
    policies.RETAIN_ATTEMPTS_DAYS = 60
    now = datetime.now(UTC)
    at = now - timedelta(days=90)
    old = make_attempt(started_at=at, submitted_at=at)
    make_records(old, "tab-switch")
    young = make_attempt()

    call_command("apply_retention", "--dry-run")

    out = capsys.readouterr().out
    assert "RETAIN_EVIDENCE_DAYS=30" in out
    assert "would remove 1" in out
    assert f"attempt {old.test_attempt_id}" in out
    assert young.test_attempt_id not in out
    assert old.candidate_email not in out
    assert Attempt.objects.get(pk=old.pk).candidate_email == old.candidate_email
    assert EvidenceRecord.objects.filter(attempt=old).exists()
    assert not PurgeLogEntry.objects.exists()


def test_a_batch_costs_the_same_few_queries_however_many_rows_it_holds(
    policies, django_assert_max_num_queries
):
    policies.RETAIN_EVIDENCE_DAYS = 30
    policies.RETAIN_ATTEMPTS_DAYS = 30
    for _ in range(40):
        submitted(100)
    # Two policies, one batch each (and the empty read that ends it), a log entry each; the
    # erased people's emails and names searched for in the audit trail, notifications and
    # sessions, the candidates' responses and links; each batch's attempts recounted in the
    # figures kept from the evidence (analytics): a few queries per batch, not per attempt.
    with django_assert_max_num_queries(53):
        apply_retention(now=NOW, batch_size=100)
    assert not Attempt.objects.exclude(candidate_email="").exists()
    assert dict(PurgeLogEntry.objects.values_list("kind", "count")) == {
        "evidence": 40,
        "attempts_erased": 40,
    }


def test_an_erased_attempt_stays_erased_through_a_full_sweep(policies, simulator, settings):
    settings.SYNC_EVIDENCE_WORKERS = settings.SYNC_EVIDENCE_MAX_CONCURRENCY = 1
    policies.RETAIN_ATTEMPTS_DAYS = 1
    client = client_for(simulator)
    run_full_pass(client)
    stored = Attempt.objects.count()
    keep_key = Attempt.objects.order_by("pk").first().lookup_key
    held = list(Attempt.objects.filter(lookup_key=keep_key).values_list("pk", "candidate_email"))
    LegalHold.objects.create(lookup_key=keep_key, reason="kept", placed_by_name="bob")

    apply_retention(now=datetime.now(UTC) + timedelta(days=400))
    erased = set(Attempt.objects.filter(candidate_email="").values_list("pk", flat=True))
    assert len(erased) == stored - len(held)
    assert ErasureTombstone.objects.count() == len(erased)

    run = sync_results(client, full=True)

    assert run.mode == "full"
    assert (run.status, run.created, run.updated) == ("succeeded", 0, 0)
    assert set(Attempt.objects.filter(candidate_email="").values_list("pk", flat=True)) == erased
    assert Attempt.objects.count() == stored
    assert list(
        Attempt.objects.filter(lookup_key=keep_key)
        .order_by("pk")
        .values_list("pk", "candidate_email")
    ) == sorted(held)


def test_a_deleted_attempt_does_not_come_back_on_a_full_sweep(policies, simulator, settings):
    settings.SYNC_EVIDENCE_WORKERS = settings.SYNC_EVIDENCE_MAX_CONCURRENCY = 1
    policies.RETAIN_ATTEMPTS_DAYS = 1
    policies.RETAIN_ATTEMPTS_ACTION = "delete"
    client = client_for(simulator)
    run_full_pass(client)

    apply_retention(now=datetime.now(UTC) + timedelta(days=400))
    assert not Attempt.objects.exists()

    run = sync_results(client, full=True)
    assert (run.status, run.created) == ("succeeded", 0)
    assert not Attempt.objects.exists()


# --- The retention page ---------------------------------------------------------------------


def test_the_purge_log_page_shows_what_went_but_never_whose(policies, test_admin_client):
    policies.RETAIN_ATTEMPTS_DAYS = 30
    old = submitted(100)
    apply_retention(now=NOW)

    page = test_admin_client.get(reverse("retention")).content.decode()

    assert 'data-purge="attempts_erased"' in page
    assert "RETAIN_ATTEMPTS_DAYS=30" in page
    assert old.candidate_email not in page
    assert old.candidate_name not in page


def test_a_test_admin_places_a_hold_on_a_test_with_a_reason(test_admin_client):
    response = test_admin_client.post(
        reverse("retention-hold"), {"lookup_key": "maths-101", "reason": "appeal"}
    )
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.lookup_key, hold.reason, hold.placed_by_name) == ("maths-101", "appeal", "bob")
    event = AuditEvent.objects.get(action="hold.place")
    assert "appeal" in event.summary


def test_a_hold_without_a_reason_or_a_target_is_refused_with_a_clear_error(test_admin_client):
    no_reason = test_admin_client.post(reverse("retention-hold"), {"lookup_key": "maths-101"})
    no_target = test_admin_client.post(reverse("retention-hold"), {"reason": "appeal"})
    unknown = test_admin_client.post(
        reverse("retention-hold"), {"test_attempt_id": "nope", "reason": "appeal"}
    )
    assert (no_reason.status_code, no_target.status_code, unknown.status_code) == (400, 400, 400)
    assert "either an attempt id or a test" in no_target.content.decode()
    assert "No attempt has the id" in unknown.content.decode()
    assert not LegalHold.objects.exists()


def test_releasing_a_hold_needs_a_reason_and_is_audited(test_admin_client, test_admin):
    hold = hold_place(user=test_admin, lookup_key="maths-101", reason="appeal")
    url = reverse("retention-release", kwargs={"hold_id": hold.pk})

    test_admin_client.post(url, {"reason": ""})
    assert LegalHold.objects.active().exists()

    test_admin_client.post(url, {"reason": "decided"})
    assert not LegalHold.objects.active().exists()
    assert AuditEvent.objects.filter(action="hold.release").exists()


def test_a_proctor_cannot_place_a_hold(proctor_client):
    response = proctor_client.post(
        reverse("retention-hold"), {"lookup_key": "maths-101", "reason": "x"}
    )
    assert response.status_code == 403
    assert not LegalHold.objects.exists()


def test_the_retention_page_reads_holds_in_a_fixed_number_of_queries(test_admin, test_admin_client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert test_admin_client.get(reverse("retention")).status_code == 200
        return len(captured)

    hold_place(user=test_admin, attempt=make_attempt(), reason="one")
    one = queries()
    for number in range(5):
        hold_place(user=test_admin, attempt=make_attempt(), reason=f"more {number}")
        hold_place(user=test_admin, lookup_key=f"test-{number}", reason="more")
    assert queries() == one


def test_purged_evidence_is_not_fetched_again_when_autoproctor_reports_a_change(
    policies, simulator, settings
):
    """The evidence policy deleted an attempt's evidence; later AutoProctor re-processes the
    attempt (its evidence status goes back to processing, then processed). The evidence pass
    must not bring back what the policy removed, and the attempt stays settled."""
    settings.SYNC_EVIDENCE_WORKERS = settings.SYNC_EVIDENCE_MAX_CONCURRENCY = 1
    policies.RETAIN_EVIDENCE_DAYS = 1
    client = client_for(simulator)
    run_full_pass(client)
    attempt = Attempt.objects.filter(evidence_records__isnull=False).order_by("pk").first()
    apply_retention(now=datetime.now(UTC) + timedelta(days=400))
    assert not EvidenceRecord.objects.exists()

    simulator.dataset.update(attempt.test_attempt_id, evidence_status="processing")
    sync_results(client, full=True)
    simulator.dataset.update(attempt.test_attempt_id, evidence_status="processed")
    sync_results(client, full=True)
    sync_evidence(client)

    assert not EvidenceRecord.objects.exists()
    attempt.refresh_from_db()
    assert attempt.evidence_status == "processed"  # the attempt itself is kept up to date
    assert attempt.evidence_fetched_at is not None and attempt.evidence_purged_at is not None


def test_the_report_says_the_evidence_was_deleted_by_the_policy(policies, proctor_client):
    """Not "AutoProctor recorded no events": the reader must know the evidence existed and
    which policy removed it."""
    policies.RETAIN_EVIDENCE_DAYS = 30
    old = submitted(31)
    apply_retention(now=NOW)

    page = proctor_client.get(reverse("attempt-report", args=[old.pk])).content.decode()

    assert "data-evidence-purged" in page and "RETAIN_EVIDENCE_DAYS" in page
    assert "AutoProctor recorded no events" not in page
