"""The running passes' progress on the sync page and the overview's banner, and the JSON the
page's script polls: figures only, for those who run the sync, in a fixed number of queries."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from proctoring.models import SyncRun
from tests.fixtures.data import make_attempt

pytestmark = pytest.mark.django_db

PROGRESS_URL = reverse("sync-progress")


def a_running_sweep(**fields) -> SyncRun:
    values = {
        "kind": SyncRun.Kind.RESULTS,
        "status": SyncRun.Status.RUNNING,
        "mode": "full",
        "pages_read": 3,
        "pages_total": 10,
        "items_done": 300,
        "items_total": 1000,
        "created": 290,
        "unchanged": 10,
        "rate": 35.0,
        "progress_at": timezone.now(),
        "error_summary": "attempt 'candidate@example.org': unreadable",
    }
    return SyncRun.objects.create(**(values | fields))


def a_running_evidence_pass() -> SyncRun:
    return SyncRun.objects.create(
        kind=SyncRun.Kind.EVIDENCE,
        status=SyncRun.Status.RUNNING,
        items_done=120,
        items_total=900,
        updated=110,
        unchanged=7,
        failed=3,
        concurrency=8,
        rate=4.0,
        progress_at=timezone.now(),
    )


def text_of(page: str, run: SyncRun) -> str:
    card = re.search(rf'<article[^>]*data-progress-run="{run.pk}".*?</article>', page, re.S)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", card).split())


def test_the_sync_page_shows_each_running_pass_with_its_figures_without_javascript(
    test_admin_client,
):
    sweep, evidence = a_running_sweep(), a_running_evidence_pass()

    page = test_admin_client.get(reverse("sync-status")).content.decode()

    sweep_text = text_of(page, sweep)
    for phrase in ("page 3 of 10", "300 of 1,000 attempts read", "300 stored", "35.0 attempts/s"):
        assert phrase in sweep_text
    assert "about 20 s left" in sweep_text
    evidence_text = text_of(page, evidence)
    for phrase in ("120 of 900 attempts done", "8 in flight", "3 failed", "about 3 min left"):
        assert phrase in evidence_text
    assert 'value="30.0"' in page  # the sweep's bar
    assert "js/sync_progress.js" in page


def test_the_json_gives_the_running_passes_figures_and_no_error_text(test_admin_client):
    sweep = a_running_sweep()

    response = test_admin_client.get(PROGRESS_URL)

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"
    (run,) = response.json()["runs"]
    assert run["id"] == sweep.pk and run["running"] is True
    assert (run["done"], run["total"], run["percent"]) == (300, 1000, 30.0)
    assert run["figures"]["pages"] == "page 3 of 10"
    assert run["figures"]["left"] == "about 20 s left"
    assert "candidate@example.org" not in response.content.decode()


def test_the_json_also_reports_the_runs_a_page_shows_once_they_finished(test_admin_client):
    sweep = a_running_sweep()
    SyncRun.objects.filter(pk=sweep.pk).update(
        status=SyncRun.Status.SUCCEEDED, finished_at=timezone.now(), items_done=1000
    )
    older = a_running_sweep(started_at=timezone.now() - timedelta(days=1))
    SyncRun.objects.filter(pk=older.pk).update(status=SyncRun.Status.FAILED)

    runs = test_admin_client.get(PROGRESS_URL, {"run": [sweep.pk]}).json()["runs"]

    assert [(run["id"], run["status"], run["percent"]) for run in runs] == [
        (sweep.pk, "succeeded", 100.0)
    ]
    assert runs[0]["figures"]["left"] == ""


@pytest.mark.parametrize("asked", [["x"], ["1; DROP"], [str(n) for n in range(21)]])
def test_a_malformed_run_list_is_refused_naming_the_fix(test_admin_client, asked):
    response = test_admin_client.get(PROGRESS_URL, {"run": asked})

    assert response.status_code == 400
    assert "?run=12&run=13" in response.json()["error"]


def test_only_those_who_run_the_sync_may_poll_it(client, proctor_client):
    a_running_sweep()

    assert client.get(PROGRESS_URL).status_code == 302
    assert proctor_client.get(PROGRESS_URL).status_code == 403


def test_polling_costs_the_same_queries_however_many_runs(
    test_admin_client, django_assert_max_num_queries
):
    runs = [a_running_sweep() for _ in range(5)] + [a_running_evidence_pass() for _ in range(5)]
    asked = {"run": [run.pk for run in runs]}

    with django_assert_max_num_queries(5):  # session, user, two of permissions, the runs
        response = test_admin_client.get(PROGRESS_URL, asked)

    assert len(response.json()["runs"]) == 10


def test_the_overview_banner_shows_a_running_pass_to_test_admins_only(
    test_admin_client, proctor_client
):
    make_attempt()
    sweep = a_running_sweep()

    admin_page = test_admin_client.get(reverse("overview")).content.decode()
    proctor_page = proctor_client.get(reverse("overview")).content.decode()

    assert "Sync in progress" in admin_page
    assert "page 3 of 10" in text_of(admin_page, sweep)
    assert "Sync in progress" not in proctor_page
    assert PROGRESS_URL not in proctor_page
