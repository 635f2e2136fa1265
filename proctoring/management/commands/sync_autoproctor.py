"""`manage.py sync_autoproctor`: one sync pass in the foreground, with its progress as it goes
(a bar on a terminal, a line every --progress-every seconds elsewhere) and a summary.

Exit status (docs/operations.md): 0 when every stage stored everything it read; 1 when a stage
failed (refused credentials, a skewed clock, an unreachable API, missing configuration); 3 when
a stage partly failed (it stored fewer attempts than it read, or fetched the evidence of only
some): the failures are listed, recorded on the run and retried by the next pass, and the
reason goes to stderr, so cron, systemd and CI see that the pass was not whole.
When the database stops answering, the pass stops with one line naming the cause (not a
traceback per attempt) and says that the run's closing record could not be written; nothing
stored is lost, and the next pass goes on from where this one stopped.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError

from proctoring.management.progress_output import progress_output
from proctoring.models import SyncRun
from proctoring.sync import STAGES, run_full_pass
from proctoring.tasks import partly_failed_reason

PROGRESS_EVERY_SECONDS = 10.0
# A stage failed: 1, as for any CommandError. A stage partly failed: its own code (argparse
# takes 2 for a wrong command line).
EXIT_FAILED, EXIT_PARTLY = 1, 3


class Command(BaseCommand):
    help = (
        "Sync results, evidence and credit usage from AutoProctor once, in the foreground. "
        "Without flags all stages run; with flags only those."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        for stage in STAGES:
            parser.add_argument(f"--{stage}", action="store_true", help=f"Run the {stage} stage.")
        sweep = parser.add_mutually_exclusive_group()
        sweep.add_argument(
            "--full",
            action="store_true",
            help="Read every results page (a full sweep, catching re-scores of old attempts) "
            "instead of only the pages with new or changed attempts.",
        )
        sweep.add_argument(
            "--settle-window",
            action="store_true",
            help="Read the results pages of the last SYNC_SETTLE_HOURS (a settle-window "
            "sweep, catching re-scores of recent attempts) even if one is not due yet.",
        )
        parser.add_argument(
            "--progress-every",
            type=float,
            default=PROGRESS_EVERY_SECONDS,
            metavar="SECONDS",
            help="When the output is not a terminal, write a progress line this often "
            f"(default {PROGRESS_EVERY_SECONDS:g}). On a terminal a progress bar is drawn.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stages = [stage for stage in STAGES if options[stage]] or list(STAGES)
        if options["progress_every"] <= 0:
            raise CommandError("--progress-every must be a number of seconds above 0, e.g. 10.")
        stream = getattr(self.stdout, "_out", self.stdout)
        try:
            with progress_output(stream, self.stdout.write, options["progress_every"]) as observer:
                done = run_full_pass(
                    stages=stages,
                    full=options["full"],
                    settle_window=options["settle_window"],
                    observer=observer,
                )
        except (OperationalError, InterfaceError) as error:
            self.stderr.write(
                "The run's closing record was skipped: the database could not be written to. "
                "The sync page may show this run as running until the next pass closes it."
            )
            cause = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
            raise CommandError(
                f"The database is not answering ({cause}). Nothing stored is lost: start the "
                "sync again once the database is back, and it goes on from where it stopped."
            ) from None
        for run in done:
            self.stdout.write(describe(run))
            if run.error_summary and run.status != SyncRun.Status.FAILED:
                for line in run.error_summary.splitlines():
                    self.stdout.write(f"    {line}")
        failed = [run for run in done if run.status == SyncRun.Status.FAILED]
        if failed:
            run = failed[0]
            raise CommandError(
                f"{run.get_kind_display()} sync failed: {run.error_summary}",
                returncode=EXIT_FAILED,
            )
        partly = [run for run in done if run.status == SyncRun.Status.PARTIAL]
        if partly:
            raise CommandError(
                "\n".join(partly_failed_reason(run) for run in partly), returncode=EXIT_PARTLY
            )


def describe(run: SyncRun) -> str:
    seconds = run.duration.total_seconds() if run.duration else 0.0
    status = run.get_status_display()
    if run.status == SyncRun.Status.FAILED and not (run.created or run.updated or run.unchanged):
        counts = "nothing changed"
    elif run.kind == SyncRun.Kind.RESULTS:
        counts = (
            f"{run.created} created, {run.updated} updated, {run.unchanged} unchanged, "
            f"{run.failed} not stored; {run.get_mode_display().lower() or 'pass'}, "
            f"{run.pages_read} page(s) read"
        )
    elif run.kind == SyncRun.Kind.EVIDENCE:
        counts = (
            f"evidence fetched for {run.updated} attempts, {run.failed} failed, "
            f"{run.unchanged} left for later"
        )
    else:
        counts = f"{run.created} snapshot recorded"
    line = f"{run.get_kind_display()}: {status.lower()} - {counts} ({seconds:.1f} s)"
    if run.status == SyncRun.Status.SKIPPED:
        line += f" - {run.error_summary}"
    elif run.mode_reason:
        line += f" - {run.mode_reason}"
    return line
