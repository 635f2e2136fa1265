"""Figures of a test's violations that the worker keeps up to date, so that a test's page reads
a few hundred rows however many attempts the test has (analytics.minutes keeps them).

A cell is one test's violations of one label in one wall-clock minute (minute null: violations
without a time). Its attempts are kept too, one row per (attempt, cell), so that a pass that
stores an attempt's evidence again can take the attempt's previous share out before adding the
new one, and so that the collusion pairs read only the attempts of uncrowded cells.
"""

from django.db import models
from django.db.models import Q


class ViolationMinute(models.Model):
    """One test's violations of one label in one minute, and the attempts that had them."""

    lookup_key = models.CharField(max_length=255)
    label = models.CharField(max_length=100)
    minute = models.DateTimeField(null=True, blank=True, help_text="Null: without a time.")
    violations = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lookup_key", "label", "minute"], name="violation_minute_unique_cell"
            ),
            # NULLs are distinct in a unique constraint: the untimed cell has its own.
            models.UniqueConstraint(
                fields=["lookup_key", "label"],
                condition=Q(minute__isnull=True),
                name="violation_minute_unique_untimed",
            ),
        ]

    def __str__(self):
        return f"{self.lookup_key} {self.label} @ {self.minute}: {self.violations}"


class AttemptMinute(models.Model):
    """One attempt's share of a cell: how many of its violations fall in it."""

    attempt_id = models.BigIntegerField(
        help_text="Not a foreign key: when an attempt is deleted its share must still be found "
        "and taken out of the cell.",
    )
    # DO_NOTHING: a cell is removed only once its last share is (analytics.minutes), and then
    # in one DELETE rather than after a search for shares.
    cell = models.ForeignKey(ViolationMinute, on_delete=models.DO_NOTHING, related_name="shares")
    violations = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt_id", "cell"], name="attempt_minute_unique"),
        ]

    def __str__(self):
        return f"attempt {self.attempt_id} in cell {self.cell_id}: {self.violations}"


class AttemptKey(models.Model):
    """An attempt's email and name as the collusion groups compare them (trimmed, lower
    case), and its trust score (the groups are ranked by their lowest), kept by the worker
    (analytics.candidate_keys): grouping a test's attempts by them is then a scan of one index,
    where computing them cost a quarter of a second at 50,000 attempts, and joining the
    attempts for their scores two seconds at 200,000."""

    attempt = models.OneToOneField(
        "proctoring.Attempt", on_delete=models.CASCADE, primary_key=True, related_name="keys"
    )
    lookup_key = models.CharField(max_length=255)
    email_key = models.CharField(max_length=254)
    name_key = models.CharField(max_length=255)
    trust_score = models.FloatField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["lookup_key", "email_key", "trust_score"], name="attempt_key_email_trust"
            ),
            models.Index(
                fields=["lookup_key", "name_key", "email_key", "trust_score"],
                name="attempt_key_name_trust",
            ),
        ]

    def __str__(self):
        return f"{self.attempt_id}: {self.email_key} / {self.name_key}"
