"""Credit usage: one snapshot per pass, so the history draws the balance chart."""

import datetime

import pytest

from proctoring.models import SyncRun, UsageSnapshot
from proctoring.sync import sync_usage
from tests.sync_support import client_for

pytestmark = pytest.mark.django_db


def test_each_pass_adds_a_snapshot_of_the_accounts_figures(simulator):
    client = client_for(simulator)
    first = sync_usage(client)
    second = sync_usage(client)

    assert (first.status, first.created) == ("succeeded", 1)
    assert second.status == "succeeded"
    assert UsageSnapshot.objects.count() == 2
    usage = simulator.dataset.usage()
    snapshot = UsageSnapshot.objects.latest()
    assert snapshot.credits_remaining == usage["credits_remaining"]
    assert snapshot.credits_used == usage["credits_used"]
    assert snapshot.period_start == datetime.date.fromisoformat(usage["period_start"])
    assert snapshot.period_end == datetime.date.fromisoformat(usage["period_end"])
    assert snapshot.usage_by_lookup_key == usage["usage_by_lookup_key"]
    assert snapshot.raw == usage


def test_a_failed_usage_call_records_the_failure_and_no_snapshot(simulator):
    simulator.inject("server_error", path_contains="/usage/", times=-1, status=503)

    run = sync_usage(client_for(simulator, max_retries=1))

    assert run.status == SyncRun.Status.FAILED
    assert "usage" in run.error_summary.lower()
    assert not UsageSnapshot.objects.exists()


def test_usage_comes_from_the_settings_client_when_none_is_given(simulator):
    run = sync_usage()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert UsageSnapshot.objects.get().credits_used == simulator.dataset.usage()["credits_used"]
