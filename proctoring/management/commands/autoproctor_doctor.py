"""Check the configured AutoProctor account: call every endpoint, try each known variant where
the contract is open, print what answered, one line per form it learned, and a verdict per
capability with its fix. 429 and 5xx are retried as the sync retries them, within
AUTOPROCTOR_DOCTOR_BUDGET_SECONDS in all. Exit status 0 when every capability works; 1 when one
failed, or could not be checked (NOT CHECKED is not a pass) unless `--allow-partial` lets that
through. What it learns (call forms, the tenant calls' authentication form, the trust score's
scale) is stored in the API profile, which the sync, the console and the signature tool use
from then on. `--record FILE` also saves a shape recording (autoproctor/recording.py) to share
with support."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.management.base import BaseCommand

from autoproctor import NotConfigured
from autoproctor.doctor import run_doctor
from autoproctor.recording import SecretInRecording, ShapeRecorder
from proctoring.sync.profile import profiled_client, store_report

if TYPE_CHECKING:
    from autoproctor.doctor_report import DoctorReport


class Command(BaseCommand):
    help = "Check the AutoProctor account: every call once, with the fix for each failure."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--record",
            metavar="FILE",
            help="Also save the answers' shapes, with every personal value replaced, to FILE "
            "(this adds three read calls refused on purpose, to record how the account refuses).",
        )
        parser.add_argument(
            "--allow-partial",
            action="store_true",
            help="Exit 0 although some capability could not be checked (NOT CHECKED), e.g. on "
            "an account with no processed attempt yet; a FAILED one still exits 1.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            client = profiled_client()
        except NotConfigured as error:
            self.stderr.write(str(error))
            raise SystemExit(1) from None
        recorder = None
        if options.get("record"):
            recorder = ShapeRecorder(client.client_id, settings.AUTOPROCTOR_CLIENT_SECRET)
        with client:
            report = run_doctor(
                client,
                timeout=settings.AUTOPROCTOR_TIMEOUT,
                recorder=recorder,
                budget_seconds=settings.AUTOPROCTOR_DOCTOR_BUDGET_SECONDS,
                allow_partial=options["allow_partial"],
            )
        for line in report.lines():
            self.stdout.write(line)
        store_report(report)
        if recorder is not None:
            self.save_recording(recorder, report, options["record"])
        if not report.ok:
            raise SystemExit(1)

    def save_recording(self, recorder: ShapeRecorder, report: DoctorReport, path: str) -> None:
        try:
            document = recorder.dump(report, path)
        except (OSError, SecretInRecording) as error:
            self.stderr.write(f"The recording was not saved: {error}")
            raise SystemExit(1) from None
        replaced = ", ".join(f"{count} {kind}" for kind, count in document["replaced"].items())
        self.stdout.write("")
        self.stdout.write(f"Shape recording saved to {path}.")
        self.stdout.write(f"Replaced with consistent fakes: {replaced or 'nothing'}.")
        self.stdout.write("Not written: the client id and the client secret.")
