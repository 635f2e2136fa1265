"""`manage.py setup_schedules`: create or update the worker's schedules (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from proctoring.schedules import ensure_schedules


class Command(BaseCommand):
    help = "Create or update the background worker's sync schedules. Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        for schedule, created in ensure_schedules():
            verb = "Created" if created else "Updated"
            self.stdout.write(
                f"{verb} schedule {schedule.name!r}: {schedule.func} every {schedule.minutes} min"
            )
