"""The sync status page: recent runs, failing evidence, the schedules' next runs, and "sync now"
queueing exactly one pass for the worker."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from audit.models import AuditEvent
from proctoring.models import SyncRun
from proctoring.schedules import ensure_schedules, schedule_specs
from tests.fixtures.data import make_attempt, make_attempts

pytestmark = pytest.mark.django_db


def status_page(client):
    response = client.get(reverse("sync-status"))
    assert response.status_code == 200
    return response.content.decode()


def token_of(page):
    return re.search(r'name="token" value="([^"]+)"', page)[1]


def cells(row):
    """The text of a table row's cells, tags removed (entities kept)."""
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


def queued_functions():
    return [queued.func() for queued in OrmQ.objects.all()]


def test_recent_runs_show_stage_start_duration_counts_status_and_error(test_admin_client):
    started = timezone.now() - timedelta(minutes=10)
    SyncRun.objects.create(
        kind=SyncRun.Kind.RESULTS,
        started_at=started,
        finished_at=started + timedelta(seconds=83),
        status=SyncRun.Status.SUCCEEDED,
        created=12,
        updated=3,
        unchanged=480,
        mode="incremental",
        pages_read=2,
    )
    SyncRun.objects.create(
        kind=SyncRun.Kind.EVIDENCE,
        started_at=started + timedelta(minutes=2),
        finished_at=started + timedelta(minutes=2, seconds=5),
        status=SyncRun.Status.FAILED,
        failed=1,
        error_summary="AutoProctor refused the credentials <check the secret>",
    )
    SyncRun.objects.create(kind=SyncRun.Kind.USAGE, started_at=started + timedelta(minutes=3))

    page = status_page(test_admin_client)

    rows = re.findall(r"<tr data-run=\"\d+\">(.*?)</tr>", page, re.S)
    assert [re.search(r"<td>(\w+)</td>", row)[1] for row in rows] == [
        "Usage",
        "Evidence",
        "Results",
    ]
    usage, evidence, results = (cells(row) for row in rows)
    assert results[1] == "Incremental, 2 pages"
    assert results[3:9] == ["1:23", "12", "3", "480", "0", "Succeeded"]
    assert evidence[8:] == [
        "Failed",
        "AutoProctor refused the credentials &lt;check the secret&gt;",
    ]
    assert usage[3] == "running"


def test_a_full_sweep_shows_why_it_read_every_page(test_admin_client):
    SyncRun.objects.create(
        kind=SyncRun.Kind.RESULTS,
        status=SyncRun.Status.SUCCEEDED,
        mode="full",
        mode_reason="AutoProctor's results listing has no paging (or no count)",
        pages_read=1,
    )
    row = re.search(r"<tr data-run=\"\d+\">(.*?)</tr>", status_page(test_admin_client), re.S)[1]
    assert "Full sweep, 1 page" in cells(row)[1]
    assert "no paging" in cells(row)[1]


def test_attempts_whose_evidence_failed_show_error_tries_and_a_link_to_the_report(
    test_admin_client,
):
    healthy = make_attempt()
    failing = make_attempt(
        test_attempt_id="quiz-42",
        sync_error="The evidence JSON is damaged; fetched again next pass.",
        sync_error_count=3,
        sync_error_at=timezone.now(),
    )

    page = status_page(test_admin_client)

    assert 'Attempts whose evidence failed <span class="muted">(1)</span>' in page
    row = re.search(rf'<tr data-failing="{failing.pk}">(.*?)</tr>', page, re.S)[1]
    assert f'<a href="{reverse("attempt-report", args=[failing.pk])}">quiz-42</a>' in row
    assert "The evidence JSON is damaged" in row
    assert '<td class="num">3</td>' in row
    assert f'data-failing="{healthy.pk}"' not in page


def test_the_next_runs_of_the_schedules_are_shown(test_admin_client):
    (results, _), (usage, _), *_ = ensure_schedules()  # new schedules are due at once
    Schedule.objects.filter(pk=usage.pk).update(next_run=timezone.now() + timedelta(minutes=42))

    page = status_page(test_admin_client)

    rows = {
        name: row for name, row in re.findall(r'<tr data-schedule="([^"]+)">(.*?)</tr>', page, re.S)
    }
    assert set(rows) == {spec.name for spec in schedule_specs()}
    assert "every 5 minutes" in rows[results.name]
    assert "due: runs when a worker next checks" in rows[results.name]
    assert "every 60 minutes" in rows[usage.name]
    assert "41\xa0minutes from now" in rows[usage.name]
    assert "setup_schedules" not in page


def test_without_schedules_the_page_says_how_to_create_them(test_admin_client):
    assert "run <code>python manage.py setup_schedules</code>" in status_page(test_admin_client)


def test_sync_now_queues_exactly_one_pass_and_says_so(test_admin_client):
    page = status_page(test_admin_client)
    assert "data-queued>0<" in page

    response = test_admin_client.post(reverse("sync-now"), {"token": token_of(page)}, follow=True)

    assert response.redirect_chain == [(reverse("sync-status"), 302)]
    assert queued_functions() == [schedule_specs()[0].func]
    after = response.content.decode()
    assert "A sync pass is queued: results first, then evidence." in after
    assert "data-queued>1<" in after
    event = AuditEvent.objects.get()
    assert (event.action, event.username) == ("sync.start", "bob")


def test_sending_the_same_sync_form_twice_queues_one_pass(test_admin_client):
    token = token_of(status_page(test_admin_client))

    test_admin_client.post(reverse("sync-now"), {"token": token})
    again = test_admin_client.post(reverse("sync-now"), {"token": token}, follow=True)

    assert len(queued_functions()) == 1
    assert "That sync request was already sent" in again.content.decode()


def test_each_view_of_the_page_allows_one_more_pass(test_admin_client):
    first = token_of(status_page(test_admin_client))
    second = token_of(status_page(test_admin_client))

    test_admin_client.post(reverse("sync-now"), {"token": first})
    test_admin_client.post(reverse("sync-now"), {"token": second})

    assert len(queued_functions()) == 2


def test_sync_now_needs_a_post_with_the_csrf_token(test_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(test_admin)
    token = token_of(status_page(client))

    assert client.get(reverse("sync-now")).status_code == 405
    assert client.post(reverse("sync-now"), {"token": token}).status_code == 403
    assert OrmQ.objects.count() == 0


def test_a_proctor_can_neither_see_the_status_nor_start_a_sync(proctor_client):
    assert proctor_client.get(reverse("sync-status")).status_code == 403
    assert proctor_client.post(reverse("sync-now"), {"token": "x"}).status_code == 403
    assert OrmQ.objects.count() == 0


def test_the_page_costs_the_same_queries_however_many_runs_and_failures(test_admin_client):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            status_page(test_admin_client)
        return len(captured)

    ensure_schedules()
    SyncRun.objects.create(kind=SyncRun.Kind.RESULTS)
    make_attempt(sync_error="x", sync_error_count=1, sync_error_at=timezone.now())
    few = queries()
    SyncRun.objects.bulk_create([SyncRun(kind=SyncRun.Kind.EVIDENCE) for _ in range(30)])
    make_attempts(40, sync_error="y", sync_error_count=2, sync_error_at=timezone.now())
    assert queries() == few


def test_the_failing_attempts_are_read_from_their_partial_index(test_admin_client):
    """Counting and listing the failing attempts reads only the failing rows (the partial index
    attempt_sync_failing_idx, in the page's order), not the whole attempts table."""
    make_attempts(3)
    make_attempts(2, sync_error="x", sync_error_count=1, sync_error_at=timezone.now())
    statements = []

    def record(execute, sql, params, many, context):
        if "sync_error_count" in sql:
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        status_page(test_admin_client)

    assert len(statements) == 2  # the count and the listed rows
    for sql, params in statements:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("SET LOCAL enable_sort = off")
                cursor.execute(f"EXPLAIN {sql}", params)
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = "\n".join(str(row) for row in cursor.fetchall())
        assert "attempt_sync_failing_idx" in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort Key" not in plan, plan
