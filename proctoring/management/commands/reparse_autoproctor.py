"""Re-derive every mapped column from the JSON stored as received, after a mapping fix or a new
alias in AUTOPROCTOR_FIELD_ALIASES. Makes no call to AutoProctor."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from proctoring.sync.reparse import reparse_all


class Command(BaseCommand):
    help = "Re-parse stored attempts and evidence records from their raw JSON (nothing fetched)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = reparse_all()
        for line in report.lines():
            self.stdout.write(line)
