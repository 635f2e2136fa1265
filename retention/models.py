"""Legal holds and the purge log: what retention must keep, and what it removed.

The retention policies themselves are settings (RETAIN_*, docs/operations.md "Data retention");
these tables hold the people's decisions (a hold, with its reason) and the record of every purge.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class LegalHoldQuerySet(models.QuerySet):
    def active(self) -> LegalHoldQuerySet:
        return self.filter(released_at__isnull=True)


class LegalHold(models.Model):
    """Keeps one attempt, or every attempt of one test, out of every retention policy until
    it is released. Either `attempt` or `lookup_key` (the test) is set, never both."""

    attempt = models.ForeignKey(
        "proctoring.Attempt",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="legal_holds",
    )
    lookup_key = models.CharField(
        max_length=255, blank=True, default="", help_text="The test held, when not one attempt."
    )
    reason = models.TextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_by_name = models.CharField(max_length=150)
    placed_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by_name = models.CharField(max_length=150, blank=True, default="")
    release_reason = models.TextField(blank=True, default="")

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-id"]
        permissions = [
            ("manage_retention", "Can place and release legal holds and read the purge log"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(attempt__isnull=False) & Q(lookup_key=""))
                | (Q(attempt__isnull=True) & ~Q(lookup_key="")),
                name="legal_hold_one_target",
            ),
        ]
        indexes = [
            models.Index(
                fields=["lookup_key"],
                condition=Q(released_at__isnull=True),
                name="legal_hold_active_test_idx",
            ),
        ]

    def __str__(self):
        return f"Hold on {self.target} ({'released' if self.released_at else 'active'})"

    @property
    def target(self) -> str:
        if self.attempt_id:
            return f"attempt {self.attempt.test_attempt_id}"
        return f"test {self.lookup_key}"


class PurgeKind(models.TextChoices):
    EVIDENCE = "evidence", "Evidence records of attempts"
    ATTEMPTS_ERASED = "attempts_erased", "Attempts erased (name and email removed)"
    ATTEMPTS_DELETED = "attempts_deleted", "Attempts deleted"
    AUDIT_EVENTS = "audit_events", "Audit events"
    SYNC_RUNS = "sync_runs", "Sync runs"
    ERASURE_REQUEST = "erasure_request", "Attempts erased on a candidate's request"


class PurgeLogEntry(models.Model):
    """One purge: what kind of data, how many rows, under which policy, when. Never the
    personal data itself, nor whose it was."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=32, choices=PurgeKind.choices)
    count = models.PositiveIntegerField()
    policy = models.CharField(max_length=100, help_text="e.g. RETAIN_EVIDENCE_DAYS=90")
    cutoff = models.DateTimeField(null=True, blank=True, help_text="Older than this went.")
    started_by = models.CharField(
        max_length=150, help_text="The schedule, a command, or an erasure request."
    )

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}: {self.count}"
