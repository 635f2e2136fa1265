"""Check the configured AutoProctor account: call every endpoint once, try each known variant
where the contract is open, print what answered and a verdict per capability with its fix.
Exit status 0 when results and evidence work, 1 otherwise. What it learns (the working call
forms) is stored in the API profile, which the sync uses from then on."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from proctoring.autoproctor import AutoProctorClient, NotConfigured
from proctoring.autoproctor.doctor import run_doctor
from proctoring.sync.profile import store_report


class Command(BaseCommand):
    help = "Check the AutoProctor account: every call once, with the fix for each failure."

    def handle(self, *args, **options):
        try:
            client = AutoProctorClient.from_settings(max_retries=0)
        except NotConfigured as error:
            self.stderr.write(str(error))
            raise SystemExit(1) from None
        with client:
            report = run_doctor(client, timeout=settings.AUTOPROCTOR_TIMEOUT)
        for line in report.lines():
            self.stdout.write(line)
        store_report(report)
        if not report.ok:
            raise SystemExit(1)
