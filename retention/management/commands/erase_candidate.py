"""`manage.py erase_candidate EMAIL [--dry-run]`: a candidate's erasure request."""

from django.core.management.base import BaseCommand

from retention.candidates import candidate_erase


class Command(BaseCommand):
    help = (
        "Erase one candidate's data everywhere: every attempt with this email loses the name, "
        "email, the attempt as received and its evidence, and the sync never brings it back. "
        "Attempts under a legal hold are left and listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The candidate's email address, as AutoProctor sent it.")
        parser.add_argument(
            "--dry-run", action="store_true", help="List the attempts; change nothing."
        )

    def handle(self, *args, email, dry_run=False, **options):
        report = candidate_erase(email=email, dry_run=dry_run)
        verb = "Would erase" if dry_run else "Erased"
        self.stdout.write(f"{verb} {len(report.erased)} attempt(s).")
        for attempt_id in report.erased:
            self.stdout.write(f"  attempt {attempt_id}")
        if report.held:
            self.stdout.write(
                f"Left {len(report.held)} attempt(s) under a legal hold (release the hold on "
                "the Retention page, then run this again):"
            )
            for attempt_id in report.held:
                self.stdout.write(f"  attempt {attempt_id}")
        if not report.erased and not report.held:
            self.stdout.write("No attempt has this email; nothing was changed.")
