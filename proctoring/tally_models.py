"""The overview's figures kept by the database: counts of attempts and of violations per test.

The overview reads every attempt and every violation; at an institution's size that is most of
a second (benchmarks/README.md). These tables hold the same figures folded by test, kept equal
to the attempts and evidence by triggers (proctoring.tally_triggers) on every write, whichever
path makes it: the sync's COPY and upserts, a re-parse, a retention purge or erasure. The
overview then reads a few thousand rows, not a million. Rows loaded with the triggers off (a
bulk load with `session_replication_role = replica`) need `proctoring.tallies.rebuild()`.
"""

from django.db import models
from django.db.models import Q

__all__ = ["AttemptDay", "AttemptTally", "TallyZone", "ViolationTally"]


class AttemptTally(models.Model):
    """The attempts of one test whose trust score falls in one percent band.

    `bucket` is floor(trust_score × 100), 0 to 100, and -1 for attempts without a score: the
    overview's 5 % bands are five of these, and a threshold or a median falls inside one band,
    which a short read of the trust-score index then settles exactly (dashboard.selectors).
    """

    lookup_key = models.CharField(max_length=255)
    bucket = models.SmallIntegerField()
    attempts = models.BigIntegerField(default=0)
    submitted = models.BigIntegerField(default=0)
    awaiting_evidence = models.BigIntegerField(default=0, help_text="Evidence still processing.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lookup_key", "bucket"], name="attempt_tally_unique")
        ]
        # Rows the triggers emptied, removed at once: this index finds them without a scan.
        indexes = [models.Index(fields=["id"], condition=Q(attempts=0), name="attempt_tally_empty")]

    def __str__(self):
        return f"{self.lookup_key} {self.bucket} %: {self.attempts}"


class AttemptDay(models.Model):
    """The attempts of one test started on one day, in the time zone of `TallyZone`."""

    lookup_key = models.CharField(max_length=255)
    day = models.DateField()
    attempts = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "lookup_key"], name="attempt_day_unique")
        ]
        indexes = [models.Index(fields=["id"], condition=Q(attempts=0), name="attempt_day_empty")]

    def __str__(self):
        return f"{self.lookup_key} {self.day}: {self.attempts}"


class TallyZone(models.Model):
    """The time zone whose days `AttemptDay` counts (one row; the triggers read it). After
    TIME_ZONE changes, the overview counts days from the attempts until `tallies.rebuild()`
    counts them again in the new zone."""

    zone = models.CharField(max_length=64)

    def __str__(self):
        return self.zone


class ViolationTally(models.Model):
    """The violations (evidence records flagged as such) of one label on one test."""

    lookup_key = models.CharField(max_length=255)
    label = models.CharField(max_length=100)
    violations = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lookup_key", "label"], name="violation_tally_unique")
        ]
        indexes = [
            models.Index(fields=["id"], condition=Q(violations=0), name="violation_tally_empty")
        ]

    def __str__(self):
        return f"{self.lookup_key} {self.label}: {self.violations}"
