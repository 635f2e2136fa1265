"""The worker's schedules are data written by `setup_schedules`, safe to write again."""

from datetime import timedelta
from importlib import import_module
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from proctoring.schedules import schedule_specs

pytestmark = pytest.mark.django_db


def setup_schedules() -> str:
    out = StringIO()
    call_command("setup_schedules", stdout=out)
    return out.getvalue()


def test_setup_schedules_creates_the_results_and_usage_schedules(settings):
    settings.SYNC_RESULTS_EVERY_MINUTES = 5
    settings.SYNC_USAGE_EVERY_MINUTES = 60
    output = setup_schedules()

    results = Schedule.objects.get(func="proctoring.tasks.sync_results_task")
    usage = Schedule.objects.get(func="proctoring.tasks.sync_usage_task")
    assert (results.schedule_type, results.minutes, results.repeats) == (Schedule.MINUTES, 5, -1)
    assert (usage.schedule_type, usage.minutes, usage.repeats) == (Schedule.MINUTES, 60, -1)
    assert results.next_run <= timezone.now()  # the first run is due at once
    assert "Created schedule 'Sync results and evidence'" in output


def test_running_setup_schedules_again_creates_no_duplicates():
    setup_schedules()
    output = setup_schedules()
    assert Schedule.objects.count() == len(schedule_specs())
    assert "Updated schedule" in output


def test_setup_schedules_applies_a_changed_interval_without_moving_the_next_run(settings):
    setup_schedules()
    later = timezone.now() + timedelta(minutes=3)
    Schedule.objects.update(next_run=later)
    settings.SYNC_RESULTS_EVERY_MINUTES = 15

    setup_schedules()

    results = Schedule.objects.get(func="proctoring.tasks.sync_results_task")
    assert results.minutes == 15
    assert results.next_run == later


def test_retention_runs_daily_and_webhook_retries_every_minute():
    setup_schedules()
    minutes = dict(Schedule.objects.values_list("func", "minutes"))
    assert minutes["retention.tasks.apply_retention_task"] == 24 * 60
    assert minutes["notifications.tasks.deliver_due_webhooks_task"] == 1
    assert minutes["notifications.tasks.send_daily_digest_task"] == 24 * 60


@pytest.mark.parametrize("spec", schedule_specs(), ids=lambda spec: spec.name)
def test_every_schedule_names_a_function_the_worker_can_import(spec):
    module, _, name = spec.func.rpartition(".")
    assert callable(getattr(import_module(module), name))
