"""The worker's schedules, declared as data and written by `manage.py setup_schedules`.

Run that command after every deployment (and `make demo` does): it creates or updates each
schedule by name, so changing SYNC_*_EVERY_MINUTES and re-running it is all a change takes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django_q.models import Schedule


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    func: str
    minutes: int


def schedule_specs() -> list[ScheduleSpec]:
    return [
        # The results task queues the evidence pass as soon as it finishes.
        ScheduleSpec(
            "Sync results and evidence",
            "proctoring.tasks.sync_results_task",
            settings.SYNC_RESULTS_EVERY_MINUTES,
        ),
        ScheduleSpec(
            "Record credit usage",
            "proctoring.tasks.sync_usage_task",
            settings.SYNC_USAGE_EVERY_MINUTES,
        ),
        ScheduleSpec("Delete expired sessions", "access.sessions.clear_expired_sessions", 24 * 60),
        # The RETAIN_* policies (retention app); legal holds are skipped.
        ScheduleSpec("Apply data retention", "retention.tasks.apply_retention_task", 24 * 60),
        # Webhook deliveries whose retry is due, each queued as a task of its own.
        ScheduleSpec(
            "Retry webhook deliveries", "notifications.tasks.deliver_due_webhooks_task", 1
        ),
        ScheduleSpec(
            "Send notification digests", "notifications.tasks.send_daily_digest_task", 24 * 60
        ),
        # RETAIN_NOTIFICATIONS_DAYS: events and webhook deliveries (receivers' URLs, tokens).
        ScheduleSpec(
            "Delete old notifications", "notifications.tasks.purge_notifications_task", 24 * 60
        ),
    ]


def ensure_schedules() -> list[tuple[Schedule, bool]]:
    """Create or update every schedule; a new one first runs right away. Returns
    (schedule, created) pairs."""
    done = []
    for spec in schedule_specs():
        fields = {
            "func": spec.func,
            "schedule_type": Schedule.MINUTES,
            "minutes": spec.minutes,
            "repeats": -1,
        }
        done.append(
            Schedule.objects.update_or_create(
                name=spec.name,
                defaults=fields,
                create_defaults={**fields, "next_run": timezone.now()},
            )
        )
    return done
