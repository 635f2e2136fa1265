"""`manage.py apply_retention [--dry-run]`: apply the RETAIN_* policies now."""

from django.core.management.base import BaseCommand

from retention.sweep import apply_retention


class Command(BaseCommand):
    help = (
        "Apply the retention policies (RETAIN_EVIDENCE_DAYS, RETAIN_ATTEMPTS_DAYS, "
        "RETAIN_AUDIT_DAYS, RETAIN_SYNC_RUNS_DAYS; 0 keeps for ever), skipping legal holds. "
        "--dry-run lists what would go and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would go; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        outcomes = apply_retention(dry_run=dry_run, started_by="apply_retention command")
        if not outcomes:
            self.stdout.write("Every retention policy is 0 (keep for ever): nothing to do.")
            return
        for outcome in outcomes:
            self.stdout.write(outcome.describe(dry_run=dry_run))
            for attempt_id in outcome.attempt_ids:
                self.stdout.write(f"  attempt {attempt_id}")
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
