"""Drift shown to people: every warning of the last results run on `/sync/`, the alarms as a
banner on the overview for test admins (not for proctors), and the "Check my account" button
on the API console, which runs the doctor and shows its verdicts."""

import time

import pytest
from django.conf import settings
from django.urls import reverse

from audit.models import AuditEvent
from proctoring.models import ApiProfile, SyncRun
from proctoring.sync import sync_evidence, sync_results
from tests.sync_support import client_for

pytestmark = pytest.mark.django_db

MISSING = "AutoProctor&#x27;s results no longer carry <code>submitted_at</code>"


@pytest.fixture
def drifted(make_simulator):
    """A results run against an account that renames two fields, one without an alias."""
    simulator = make_simulator(dialects=("completed-at", "camel-case"))
    with client_for(simulator) as client:
        run = sync_results(client)
    assert run.status == SyncRun.Status.SUCCEEDED
    return simulator


def page(client, name) -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def test_the_sync_page_lists_every_drift_warning_with_the_alias_used(drifted, test_admin_client):
    text = page(test_admin_client, "sync-status")

    assert MISSING in text
    assert "30 attempts look in progress" in text
    # Field names show as code, not with the messages' literal backticks.
    assert "<code>trust_score</code> was read as <code>trustScore</code> (30 attempts)." in text
    assert "`" not in text
    assert 'data-drift-field="completedAt" data-drift-kind="unexpected"' in text


def test_test_admins_see_the_alarm_as_a_banner_on_the_overview(drifted, test_admin_client):
    text = page(test_admin_client, "overview")

    assert "data-drift-banner" in text and MISSING in text
    assert "trustScore" not in text  # an alias used is a note for /sync/, not an alarm


def test_proctors_see_no_drift_banner(drifted, proctor_client):
    assert "data-drift-banner" not in page(proctor_client, "overview")


def test_a_clean_sync_shows_no_banner(simulator, test_admin_client):
    with client_for(simulator) as client:
        sync_results(client)

    assert "data-drift-banner" not in page(test_admin_client, "overview")


def test_check_my_account_runs_the_doctor_and_shows_its_verdicts(make_simulator, test_admin_client):
    simulator = make_simulator(start_time=time.time() - 600, dialects=("decoded-slashes",))
    simulator.clock.advance(600)
    assert "Check my account" in page(test_admin_client, "console")

    response = test_admin_client.post(reverse("console-doctor"))

    text = response.content.decode()
    assert 'data-doctor-outcome="ok"' in text
    assert '<tr data-verdict="evidence"><td>evidence</td><td>OK</td>' in text
    assert "this server decodes %2F" in text
    assert simulator.client_secret not in text
    assert ApiProfile.objects.get().attempt_form == "id-query"
    assert AuditEvent.objects.filter(action="console.doctor").count() == 1
    # The console's header names the target as on its other pages; no tab claims to be this.
    assert f"Calls go to <code>{settings.AUTOPROCTOR_BASE_URL}</code>" in text
    assert f"as client id <code>{settings.AUTOPROCTOR_CLIENT_ID}</code>" in text
    assert 'aria-current="page">Call an endpoint' not in text


def test_check_my_account_is_refused_to_proctors_and_to_get(
    simulator, proctor_client, test_admin_client
):
    assert proctor_client.post(reverse("console-doctor")).status_code == 403
    assert test_admin_client.get(reverse("console-doctor")).status_code == 405
    assert simulator.requests == []


def test_a_new_evidence_label_is_noted_on_the_evidence_run_and_the_sync_page(
    make_simulator, test_admin_client
):
    simulator = make_simulator(start_time=time.time() - 600)
    simulator.clock.advance(600)
    with client_for(simulator) as client:
        sync_results(client)
        run = sync_evidence(client, workers=1)

    (note,) = [w for w in run.warnings if w["kind"] == "label"]
    assert note["level"] == "note" and note["count"] >= 1
    assert f"New evidence label `{note['field']}`" in note["message"]
    assert f'data-drift-field="{note["field"]}" data-drift-kind="label"' in page(
        test_admin_client, "sync-status"
    )
