"""Check the configured AutoProctor account: call every endpoint once, try each known variant
where the contract is open, print what answered and a verdict per capability with its fix.
Exit status 0 when results and evidence work, 1 otherwise. What it learns (the working call
forms) is stored in the API profile, which the sync uses from then on. `--record FILE` also
saves a shape recording (autoproctor/recording.py) to share with support."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.management.base import BaseCommand

from autoproctor import NotConfigured
from autoproctor.doctor import run_doctor
from autoproctor.recording import SecretInRecording, ShapeRecorder
from proctoring.api_client import client_from_settings
from proctoring.sync.profile import store_report

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

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            client = client_from_settings(max_retries=0)
        except NotConfigured as error:
            self.stderr.write(str(error))
            raise SystemExit(1) from None
        recorder = None
        if options.get("record"):
            recorder = ShapeRecorder(client.client_id, settings.AUTOPROCTOR_CLIENT_SECRET)
        with client:
            report = run_doctor(client, timeout=settings.AUTOPROCTOR_TIMEOUT, recorder=recorder)
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
