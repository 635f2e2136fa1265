"""Verdicts: a reason is required, history is append-only and shown on the report, and only
test admins overturn another reviewer's verdict. Every verdict is audited."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from access.roles import PROCTOR
from audit.models import AuditEvent
from proctoring.models import Attempt
from review.models import AppendOnlyError, ReviewState, Verdict, VerdictChange
from review.permissions import may_give_verdict
from tests.fixtures.data import make_attempt, make_records
from tests.fixtures.personas import logged_in, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt():
    attempt = make_attempt(candidate_name="Zoë Ångström", trust_score=0.42)
    make_records(attempt, "tab-switch", "noise-detected")
    return attempt


def give(client, attempt, verdict="cleared", reason="Looked fine", **fields):
    """POST the report's verdict form as the page fills it in."""
    data = {
        "verdict": verdict,
        "reason": reason,
        "preset": "",
        "seen_trust_score": "" if attempt.trust_score is None else repr(attempt.trust_score),
        "seen_violation_count": str(attempt.violation_count),
    }
    data.update(fields)
    return client.post(reverse("attempt-verdict", args=[attempt.pk]), data)


def report(client, attempt):
    return client.get(reverse("attempt-report", args=[attempt.pk])).content.decode()


def test_a_proctor_clears_an_attempt_with_a_reason_and_the_report_shows_it(
    proctor_client, proctor, attempt
):
    response = give(
        proctor_client,
        attempt,
        "cleared",
        "Calculator was allowed",
        preset="false positive: allowed material (calculator, notes)",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("attempt-report", args=[attempt.pk])
    change = VerdictChange.objects.get()
    assert (change.verdict, change.previous_verdict, change.reviewer, change.reason) == (
        Verdict.CLEARED,
        Verdict.UNREVIEWED,
        proctor,
        "Calculator was allowed",
    )
    assert (change.seen_trust_score, change.seen_violation_count) == (0.42, 2)
    state = ReviewState.objects.get(attempt=attempt)
    assert state.verdict == Verdict.CLEARED and state.latest_change == change
    assert (
        state.reason
        == "false positive: allowed material (calculator, notes): Calculator was allowed"
    )
    page = report(proctor_client, attempt)
    assert "Verdict saved." in page
    assert 'class="verdict verdict-cleared verdict-large">Cleared<' in page
    assert "Calculator was allowed" in page


def test_a_verdict_without_a_reason_is_refused_and_nothing_is_stored(proctor_client, attempt):
    response = give(proctor_client, attempt, "violation", reason="   ")
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    assert not VerdictChange.objects.exists() and not ReviewState.objects.exists()
    # What was chosen is still chosen on the page shown again.
    assert 'value="violation" id="id_verdict_2" data-key="v" required checked' in (
        response.content.decode()
    )


def test_an_unknown_verdict_is_refused(proctor_client, attempt):
    assert give(proctor_client, attempt, "unreviewed").status_code == 400
    assert give(proctor_client, attempt, "guilty").status_code == 400
    assert not VerdictChange.objects.exists()


def test_each_change_is_added_to_the_history_shown_on_the_report_oldest_first(
    proctor_client, attempt
):
    give(proctor_client, attempt, "suspicious", "Two tab switches, want a second look")
    give(proctor_client, attempt, "violation", "Second screen visible in photo 3")
    history = list(VerdictChange.objects.filter(attempt=attempt).order_by("at", "id"))
    assert [(c.previous_verdict, c.verdict) for c in history] == [
        ("unreviewed", "suspicious"),
        ("suspicious", "violation"),
    ]
    page = report(proctor_client, attempt)
    table = page[page.index('class="history"') :]
    assert table.index("Two tab switches") < table.index("Second screen visible")
    assert ReviewState.objects.get(attempt=attempt).verdict == Verdict.VIOLATION


def test_history_rows_cannot_be_changed_or_deleted(proctor, attempt):
    from review import services

    change = services.set_verdict(user=proctor, attempt=attempt, verdict="cleared", reason="ok")
    change.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        change.save()
    with pytest.raises(AppendOnlyError):
        change.delete()
    with pytest.raises(AppendOnlyError):
        VerdictChange.objects.filter(pk=change.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        VerdictChange.objects.all().delete()
    assert VerdictChange.objects.get().reason == "ok"


def test_an_attempt_with_history_cannot_be_deleted(proctor, attempt):
    from django.db.models import ProtectedError

    from review import services

    services.set_verdict(user=proctor, attempt=attempt, verdict="cleared", reason="ok")
    with pytest.raises(ProtectedError):
        Attempt.objects.get(pk=attempt.pk).delete()


def test_the_admin_shows_history_read_only(test_admin, attempt):
    from review import services

    services.set_verdict(user=test_admin, attempt=attempt, verdict="cleared", reason="ok")
    request = RequestFactory().get("/admin/")
    request.user = make_user("root", is_superuser=True, is_staff=True)
    model_admin = admin.site._registry[VerdictChange]
    change = VerdictChange.objects.get()
    assert model_admin.has_view_permission(request, change)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, change)
    assert not model_admin.has_delete_permission(request, change)


def test_a_proctor_changes_their_own_verdict(proctor_client, attempt):
    give(proctor_client, attempt, "suspicious", "check later")
    assert give(proctor_client, attempt, "cleared", "checked: fine").status_code == 302
    assert ReviewState.objects.get(attempt=attempt).verdict == Verdict.CLEARED


def test_a_proctor_may_not_overturn_another_reviewers_verdict(
    proctor_client, test_admin_client, attempt
):
    give(test_admin_client, attempt, "violation", "phone in photo 2")
    response = give(proctor_client, attempt, "cleared", "I disagree")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only a test admin can change a verdict another reviewer gave" in page
    assert "bob gave this attempt a verdict first: Violation confirmed" in page
    # What the proctor chose and wrote is kept, beside the verdict saved first.
    assert 'value="I disagree"' in page
    assert 'value="cleared" id="id_verdict_0" data-key="c" required checked' in page
    assert "Leave these out" not in page
    assert VerdictChange.objects.count() == 1
    assert ReviewState.objects.get(attempt=attempt).verdict == Verdict.VIOLATION
    # The report does not offer the form to someone who may not use it.
    assert 'id="verdict-form"' not in report(proctor_client, attempt)


def test_re_confirming_a_colleagues_verdict_is_an_overturn_too(proctor_client, attempt):
    colleague = logged_in(make_user("dave", PROCTOR))
    give(colleague, attempt, "violation", "phone")
    assert give(proctor_client, attempt, "violation", "agreed").status_code == 403
    assert VerdictChange.objects.count() == 1


def test_a_test_admin_overturns_a_proctors_verdict(proctor_client, test_admin_client, attempt):
    give(proctor_client, attempt, "violation", "phone in photo 2")
    assert give(test_admin_client, attempt, "cleared", "the phone was the timer").status_code == 302
    state = ReviewState.objects.get(attempt=attempt)
    assert (state.verdict, state.reviewer_name) == (Verdict.CLEARED, "bob")


def test_a_verdict_whose_reviewer_was_deleted_needs_a_test_admin(proctor, attempt):
    from review import services

    leaver = make_user("leaver", PROCTOR)
    services.set_verdict(user=leaver, attempt=attempt, verdict="cleared", reason="ok")
    leaver.delete()
    state = ReviewState.objects.get(attempt=attempt)
    assert state.reviewer_name == "leaver" and state.reviewed_by is None
    assert not may_give_verdict(proctor, state)


def test_a_verdict_given_on_figures_that_changed_meanwhile_is_refused(proctor_client, attempt):
    shown = Attempt.objects.get(pk=attempt.pk)
    Attempt.objects.filter(pk=attempt.pk).update(trust_score=0.12)  # a sync re-scored it
    response = give(proctor_client, shown, "cleared", "fine")
    assert response.status_code == 409
    page = response.content.decode()
    assert "AutoProctor re-scored this attempt while you were reviewing it" in page
    assert not VerdictChange.objects.exists()
    # The form shown again carries the new figures and the reviewer's reason: resubmitting works.
    assert 'name="seen_trust_score" value="0.12"' in page
    assert 'value="fine"' in page
    attempt.refresh_from_db()
    assert give(proctor_client, attempt, "cleared", "fine").status_code == 302


def test_every_verdict_is_audited(proctor_client, attempt):
    give(proctor_client, attempt, "suspicious", "odd noises")
    event = AuditEvent.objects.get(action="verdict.set")
    assert (event.username, event.attempt_id) == ("alice", attempt.pk)
    assert event.summary == "Suspicious (was Unreviewed): odd noises"
    assert event.detail["seen_trust_score"] == 0.42


def test_the_verdict_form_is_not_offered_to_a_role_that_cannot_review(attempt, django_user_model):
    from django.contrib.auth.models import Group, Permission

    viewer_group = Group.objects.create(name="Viewer")
    viewer_group.permissions.add(Permission.objects.get(codename="view_attempt"))
    viewer = make_user("vera")
    viewer.groups.add(viewer_group)
    client = logged_in(viewer)
    assert 'id="verdict-form"' not in report(client, attempt)
    assert give(client, attempt).status_code == 403
    assert not VerdictChange.objects.exists()


def test_a_verdict_post_needs_the_csrf_token(proctor, attempt):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(proctor)
    assert give(client, attempt).status_code == 403
    assert not VerdictChange.objects.exists()


def test_proctors_review_and_only_test_admins_overturn_and_read_the_audit(proctor, test_admin):
    from access.permissions import OVERTURN_VERDICTS, REVIEW_ATTEMPTS, VIEW_AUDIT, can

    assert can(proctor, REVIEW_ATTEMPTS)
    assert not can(proctor, OVERTURN_VERDICTS) and not can(proctor, VIEW_AUDIT)
    assert can(test_admin, REVIEW_ATTEMPTS, OVERTURN_VERDICTS, VIEW_AUDIT)
