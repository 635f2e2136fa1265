"""Reviewers' work on an attempt: verdicts, the current verdict, notes and dismissals.

Written only by review.services, never by a sync. The tables were created when these models
lived in the proctoring app and keep their names (db_table), so no data moved.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    from proctoring.models import EvidenceRecord

# --- Review: people's judgement of an attempt ---------------------------------------------
#
# AutoProctor's trust score is a prompt for human review, not a verdict. These tables hold what
# reviewers decided and wrote. They are separate from the synced rows (proctoring.models) and
# keyed to the attempt (or, for evidence, to a record's stable identity), so a re-sync, which
# upserts attempts and replaces evidence records, never touches them.


class Verdict(models.TextChoices):
    UNREVIEWED = "unreviewed", "Unreviewed"
    CLEARED = "cleared", "Cleared"
    SUSPICIOUS = "suspicious", "Suspicious"
    VIOLATION = "violation", "Violation confirmed"


class AppendOnlyError(Exception):
    """A history row was about to be changed or deleted: history is only ever added to."""


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk changes; inserting (create, bulk_create) is the only way in."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} rows are history and cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} rows are history and cannot be deleted.")


class AppendOnlyModel(models.Model):
    """A row that is written once. save() of an existing row and delete() raise
    AppendOnlyError; the attempt it belongs to is protected from deletion while it exists."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are history and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{type(self).__name__} rows are history and cannot be deleted.")


class VerdictChange(AppendOnlyModel):
    """One verdict given to an attempt: by whom, when, why, and on what data.

    `seen_trust_score` and `seen_violation_count` are the figures the reviewer judged; when
    AutoProctor re-scores the attempt later, comparing them with the attempt's current figures
    tells that the verdict was given on other data ("changed since review").
    """

    attempt = models.ForeignKey(
        "proctoring.Attempt", on_delete=models.PROTECT, related_name="verdict_changes"
    )
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    previous_verdict = models.CharField(
        max_length=16, choices=Verdict.choices, default=Verdict.UNREVIEWED
    )
    preset = models.CharField(
        max_length=100, blank=True, default="", help_text="A common reason picked from a list."
    )
    reason = models.TextField(help_text="The reviewer's own words; required.")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text so the history still says who it was after the account is deleted.
    reviewer_name = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now)
    seen_trust_score = models.FloatField(null=True, blank=True)
    seen_violation_count = models.PositiveIntegerField(default=0)
    bulk = models.BooleanField(default=False, help_text="Given to several attempts at once.")

    class Meta:
        db_table = "proctoring_verdictchange"
        ordering = ["attempt", "at", "id"]
        indexes = [models.Index(fields=["attempt", "at"], name="verdict_change_attempt_idx")]

    def __str__(self):
        return f"{self.attempt_id}: {self.get_verdict_display()} by {self.reviewer_name}"

    @property
    def full_reason(self) -> str:
        """The preset and the reviewer's words; once only when the reason starts with the
        preset (the page fills the reason from the chosen preset)."""
        if not self.preset or self.reason.startswith(self.preset):
            return self.reason
        return f"{self.preset}: {self.reason}"


class ReviewState(models.Model):
    """An attempt's current verdict: a copy of its latest VerdictChange, one row per reviewed
    attempt, so lists, the queue and filters read it with a join instead of searching the
    history (no row: unreviewed). Written only together with a VerdictChange."""

    attempt = models.OneToOneField(
        "proctoring.Attempt", on_delete=models.CASCADE, primary_key=True, related_name="review"
    )
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer_name = models.CharField(max_length=150)
    reviewed_at = models.DateTimeField()
    reason = models.TextField(help_text="The latest change's reason, preset included.")
    seen_trust_score = models.FloatField(null=True, blank=True)
    seen_violation_count = models.PositiveIntegerField(default=0)
    latest_change = models.ForeignKey(VerdictChange, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "proctoring_reviewstate"
        permissions = [
            ("review_attempts", "Can give verdicts, write notes and dismiss evidence"),
            ("overturn_verdicts", "Can change a verdict another reviewer gave"),
        ]
        indexes = [
            models.Index(fields=["verdict"], name="review_state_verdict_idx"),
            models.Index(fields=["reviewer_name"], name="review_state_reviewer_idx"),
            models.Index(fields=["reviewed_at"], name="review_state_reviewed_at_idx"),
        ]

    def __str__(self):
        return f"{self.attempt_id}: {self.get_verdict_display()}"


class EvidenceKey(models.Model):
    """Names one evidence record by what it is — device, label and time — not by its row id.

    The evidence pass deletes an attempt's records and inserts them anew whenever it fetches
    the evidence again, so row ids change; positions may shift too if AutoProctor reprocesses
    the evidence. (attempt, device, label, occurred_at) is what the event is: a note or a
    dismissal keyed that way finds its record again after every re-fetch, and one whose event
    disappeared from the evidence is shown as such instead of landing on another record.
    """

    attempt = models.ForeignKey("proctoring.Attempt", on_delete=models.PROTECT, related_name="+")
    device = models.CharField(max_length=16, blank=True, default="")
    label = models.CharField(max_length=100, blank=True, default="")
    occurred_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @staticmethod
    def identity_of(record: EvidenceRecord) -> tuple[str, str, datetime | None]:
        """The (device, label, occurred_at) of an EvidenceRecord."""
        return (record.device, record.label, record.occurred_at)

    @property
    def identity(self) -> tuple[str, str, datetime | None]:
        return (self.device, self.label, self.occurred_at)

    @property
    def is_about_evidence(self) -> bool:
        return bool(self.label)


class ReviewNote(AppendOnlyModel, EvidenceKey):
    """A reviewer's note on an attempt, or on one of its evidence records (label set)."""

    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "proctoring_reviewnote"
        ordering = ["attempt", "at", "id"]
        indexes = [models.Index(fields=["attempt", "at"], name="review_note_attempt_idx")]

    def __str__(self):
        return f"Note by {self.author_name} on {self.attempt_id}"


class EvidenceDismissal(EvidenceKey):
    """An evidence record a reviewer judged not to count (e.g. the allowed calculator), with
    why. Restoring the record deletes the row; the audit trail keeps both steps."""

    reason = models.TextField()
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_by_name = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "proctoring_evidencedismissal"
        ordering = ["attempt", "at", "id"]
        indexes = [
            models.Index(
                fields=["attempt", "device", "label", "occurred_at"],
                name="evidence_dismissal_key_idx",
            )
        ]

    def __str__(self):
        return f"Dismissed {self.label} of {self.attempt_id}"


class PerTestThreshold(models.Model):
    """A test's own review threshold, set by a test admin: its attempts under it go to review.

    Tests without a row use settings.REVIEW_THRESHOLD; review.thresholds is the one place that
    reads this table, for the queue, the list's colours and filter, and the CSV.
    """

    lookup_key = models.CharField(max_length=255, unique=True, help_text="The test.")
    threshold = models.FloatField(help_text="0..1, like a trust score.")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_by_name = models.CharField(max_length=150)
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold__gte=0.0, threshold__lte=1.0),
                name="test_threshold_fraction",
            )
        ]

    def __str__(self):
        return f"{self.lookup_key}: {self.threshold:.2%}"


class ContextKind(models.TextChoices):
    TEST = "test", "Test note"
    CANDIDATE = "candidate", "Candidate note"


class ContextNote(AppendOnlyModel):
    """A note that applies beyond one attempt: to every attempt of a test (key: its lookup key,
    e.g. "calculator and a second monitor allowed") or of a candidate (key: the email in lower
    case, e.g. "approved accommodation: a reader in the room"). Written by test admins; shown
    on every matching report and in the review queue."""

    kind = models.CharField(max_length=16, choices=ContextKind.choices)
    key = models.CharField(max_length=320)
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "key", "at", "id"]
        indexes = [models.Index(fields=["kind", "key", "at"], name="context_note_key_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.key} by {self.author_name}"


class ReviewClaim(models.Model):
    """Who is reviewing an attempt right now: one row per claimed attempt, written by
    review.claims. A claim only decides who the queue offers an attempt to; it never decides
    who may give a verdict (review.permissions). It lapses at `expires_at` unless renewed, and
    is deleted by a verdict or by its reviewer leaving the attempt."""

    attempt = models.OneToOneField(
        "proctoring.Attempt", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reviewer_name = models.CharField(max_length=150)
    claimed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # The page view that holds the claim: leaving an older page (a reload) does not release
    # the claim a newer page of the same reviewer has just renewed.
    page = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="review_claim_expires_idx")]

    def __str__(self):
        return f"{self.attempt_id}: {self.reviewer_name} until {self.expires_at}"


class ReasonPreset(models.Model):
    """A common reason test admins add to the verdict form's list, for one test or (no
    lookup_key) for every test; the built-in ones (review.services.PRESETS) always come first."""

    text = models.CharField(max_length=200)
    lookup_key = models.CharField(max_length=255, blank=True, default="", help_text="'' = all")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_by_name = models.CharField(max_length=150)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lookup_key", "text"], name="reason_preset_unique")
        ]

    def __str__(self):
        return f"{self.lookup_key or 'every test'}: {self.text}"


class ReviewAssignment(models.Model):
    """An attempt of the queue a test admin gave to one reviewer (review.assignments): "next"
    offers it to that reviewer first and to no one else. Like a claim, it decides only who is
    offered an attempt, never who may give a verdict."""

    attempt = models.OneToOneField(
        "proctoring.Attempt", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reviewer_name = models.CharField(max_length=150)
    assigned_by_name = models.CharField(max_length=150)
    assigned_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.attempt_id}: {self.reviewer_name}"
