"""`manage.py export_candidate EMAIL --out FILE.zip`: a candidate's request for their data."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from candidates.export import candidate_attempts, candidate_export_stream

BY = "export_candidate command"


class Command(BaseCommand):
    help = (
        "Write everything held about one candidate to a ZIP: every attempt with this email "
        "(as AutoProctor sent it and as stored), its evidence files, verdicts, notes, "
        "dismissals and responses, the notes about the candidate, a README.txt explaining "
        "each file and MANIFEST.sha256. Legal holds do not stop it. Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The candidate's email address (any case).")
        parser.add_argument("--out", required=True, help="The ZIP file to write, e.g. data.zip.")

    def handle(self, *args, email, out, **options):
        target = Path(out)
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent} is not a directory: choose where --out goes.")
        count = candidate_attempts(email).count()
        if count == 0:
            raise CommandError(
                f"No attempt has the email {email.strip()!r}; nothing was written. Check the "
                "address (an erased candidate has none left)."
            )
        partial = target.with_name(target.name + ".part")
        with partial.open("wb") as file:
            for chunk in candidate_export_stream(email, user=None, by=BY):
                file.write(chunk)
        partial.replace(target)  # a broken run leaves no ZIP that looks complete
        self.stdout.write(f"Wrote {count} attempt(s) of {email.strip()} to {target}.")
        self.stdout.write("Check it with: unzip, then sha256sum -c MANIFEST.sha256")
