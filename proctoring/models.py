"""The dashboard's copy of AutoProctor's data.

Rows are written by the sync services (proctoring.sync) and only read elsewhere, in our own
vocabulary (autoproctor maps the wire format); the API object is kept whole in `raw`.
"""

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Trim
from django.utils import timezone

from autoproctor.wire import EVIDENCE_PROCESSED, EVIDENCE_PROCESSING
from proctoring.attempt_indexes import KEY_SORT_INDEXES, LIST_NULL_COLUMNS, LIST_SORT_COLUMNS
from proctoring.tally_models import *  # noqa: F403 (the overview's tallies)


class EvidenceStatus(models.TextChoices):
    """AutoProctor's `evidence_status`. Anything other than PROCESSED counts as not ready."""

    PROCESSING = EVIDENCE_PROCESSING, "Processing"
    PROCESSED = EVIDENCE_PROCESSED, "Processed"


class Attempt(models.Model):
    """One candidate's test attempt, as AutoProctor reported it at the last sync."""

    client_id = models.CharField(max_length=100)
    test_attempt_id = models.CharField(max_length=100, help_text="The customer's own attempt id.")
    lookup_key = models.CharField(max_length=255, blank=True, default="", help_text="The test.")
    candidate_name = models.CharField(max_length=255, blank=True, default="")
    candidate_email = models.CharField(max_length=254, blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    trust_score = models.FloatField(
        null=True,
        blank=True,
        help_text="0..1; lower means more likely cheating. Null until scored.",
    )
    # Not limited to EvidenceStatus: an unknown value from the API is kept as it came.
    evidence_status = models.CharField(max_length=32, blank=True, default="")
    device = models.CharField(max_length=64, blank=True, default="")
    raw = models.JSONField(default=dict, blank=True, help_text="The attempt object as received.")

    first_seen_at = models.DateTimeField(default=timezone.now)
    last_synced_at = models.DateTimeField(
        default=timezone.now,
        help_text="When a sync last changed this row. A pass that finds the attempt unchanged "
        "leaves the row alone (so a re-sync stays cheap); SyncRun says when a pass last ran.",
    )

    # Evidence sync state.
    evidence_fetched_at = models.DateTimeField(null=True, blank=True)
    evidence_claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="Lease of the worker fetching this attempt's evidence."
    )
    sync_error = models.TextField(blank=True, default="")
    sync_error_at = models.DateTimeField(null=True, blank=True)
    sync_error_count = models.PositiveIntegerField(default=0)
    evidence_recheck_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the listing does not say whether evidence is ready: when to ask again.",
    )
    evidence_purged_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a retention policy deleted this attempt's evidence. It is not fetched "
        "again, whatever AutoProctor reports of the attempt later.",
    )

    # Denormalised from EvidenceRecord so the list page needs no join or aggregate.
    violation_count = models.PositiveIntegerField(default=0)

    class Meta:
        # Roles are groups (an access migration) of these permissions; views check permissions.
        permissions = [
            ("export_attempts", "Can export attempts to CSV"),
            ("view_usage", "Can view credit usage"),
            ("run_sync", "Can see sync status and start a sync"),
            ("use_console", "Can use the AutoProctor API console"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["client_id", "test_attempt_id"], name="attempt_unique_per_client"
            ),
            models.CheckConstraint(
                condition=Q(trust_score__isnull=True)
                | Q(trust_score__gte=0.0, trust_score__lte=1.0),
                name="attempt_trust_score_fraction",
            ),
        ]
        # The attempts list walks one (column, id) index per sortable column in either direction
        # (dashboard.pagination's keyset order), and the same index serves every filter on the
        # column, so none is repeated on the column alone (each costs every upsert). The rows
        # without a value, last in id order, get a small partial index on id each. The
        # PostgreSQL-only ones (the duration's expression, the search's trigrams) are created
        # by migration 0005, as Meta.indexes cannot be limited to one database.
        indexes = [
            # The evidence pass's work queue: processed attempts whose evidence is not stored yet.
            models.Index(
                fields=["evidence_status"],
                condition=Q(evidence_fetched_at__isnull=True),
                name="attempt_evidence_pending_idx",
            ),
            # The sync status page's failing attempts, latest failure first: only those rows.
            models.Index(
                fields=["-sync_error_at", "-id"],
                condition=Q(sync_error_count__gt=0),
                name="attempt_sync_failing_idx",
            ),
            *(
                models.Index(fields=[column, "id"], name=f"dash_attempt_{name}_id")
                for column, name in LIST_SORT_COLUMNS.items()
            ),
            # A few tests' list, each test read in order (dashboard.pagination), and the tests
            # index over every date (analytics.tallied_figures): a test's first and last
            # attempt, and the scores of the band holding its median, without its rows.
            *(
                models.Index(fields=["lookup_key", column, "id"], name=name)
                for column, name in KEY_SORT_INDEXES.items()
            ),
            # Sorted by violations with a trust range, the range is tested on the index entries.
            models.Index(
                fields=["violation_count", "id", "trust_score"],
                name="dash_attempt_violations_trust",
            ),
            *(
                models.Index(fields=["id"], condition=Q(**{f"{column}__isnull": True}), name=name)
                for column, name in LIST_NULL_COLUMNS.items()
            ),
            # An erasure asks whether any other attempt still holds an erased person's email
            # (retention.forget), in any case: without it, every batch of a purge reads the table.
            models.Index(Lower(Trim("candidate_email")), name="attempt_email_folded_idx"),
        ]

    def __str__(self):
        return f"{self.test_attempt_id} ({self.candidate_name or 'unknown candidate'})"

    @property
    def trust_percent(self) -> float | None:
        return None if self.trust_score is None else round(self.trust_score * 100, 2)

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def evidence_ready(self) -> bool:
        return self.evidence_status == EvidenceStatus.PROCESSED

    @property
    def duration(self) -> timedelta | None:
        if self.started_at and self.submitted_at:
            return self.submitted_at - self.started_at
        return None


class Device(models.TextChoices):
    PRIMARY = "primary", "Primary device"
    AUX = "aux", "Auxiliary device"


class DataType(models.TextChoices):
    IMAGE = "image", "Image"
    AUDIO = "audio", "Audio"
    NONE = "none", "No file"


class EvidenceRecord(models.Model):
    """One item of an attempt's evidence JSON: a violation or an informational photo."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="evidence_records")
    device = models.CharField(max_length=16, choices=Device.choices, default=Device.PRIMARY)
    position = models.PositiveIntegerField(help_text="Order within its device's list.")
    label = models.CharField(max_length=100, help_text="AutoProctor's kebab-case label, as sent.")
    is_violation = models.BooleanField(default=False)
    occurred_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    s3_path = models.CharField(
        max_length=1024, null=True, blank=True, help_text="Null when no evidence file was kept."
    )
    data_type = models.CharField(max_length=16, choices=DataType.choices, default=DataType.NONE)
    misc = models.JSONField(default=dict, blank=True)
    presigned_url = models.TextField(blank=True, default="")
    presigned_url_expires_at = models.DateTimeField(null=True, blank=True)
    # Nullable without a default, so that adding it never rebuilds the table (SQLite would drop
    # the indexes other apps made by SQL). Null: stored before the record was kept as received.
    raw = models.JSONField(null=True, blank=True, help_text="The record as received.")

    class Meta:
        ordering = ["attempt", "occurred_at", "device", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "device", "position"], name="evidence_record_unique_position"
            ),
        ]
        indexes = [
            models.Index(fields=["label", "is_violation"], name="evidence_label_idx"),
            # The attempts list's "has violation" filter: only the violations' (label, attempt).
            models.Index(
                fields=["label", "attempt"],
                condition=Q(is_violation=True),
                name="dash_violation_label_attempt",
            ),
        ]

    def __str__(self):
        return f"{self.label} @ {self.occurred_at}"

    @property
    def has_file(self) -> bool:
        return bool(self.s3_path)


class UsageSnapshot(models.Model):
    """The account's credit figures at one moment; the history draws the balance chart."""

    taken_at = models.DateTimeField(default=timezone.now, db_index=True)
    credits_remaining = models.IntegerField(null=True, blank=True)
    credits_used = models.IntegerField(null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    usage_by_lookup_key = models.JSONField(default=list, blank=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-taken_at"]
        get_latest_by = "taken_at"

    def __str__(self):
        return f"{self.credits_remaining} credits left at {self.taken_at:%Y-%m-%d %H:%M}"


class ResultsMode(models.TextChoices):
    """How much of the results listing a pass read (the tiers of proctoring.sync.incremental):
    the young end down to complete attempts, down to settled ones, or every page."""

    FULL = "full", "Full sweep"
    SETTLE_WINDOW = "settle_window", "Settle-window sweep"
    INCREMENTAL = "incremental", "Incremental"


class ListingOrder(models.TextChoices):
    """The order AutoProctor lists results in, learned from the data."""

    NEWEST_FIRST = "newest_first", "Newest first"
    OLDEST_FIRST = "oldest_first", "Oldest first"
    UNPAGED = "unpaged", "Not paged"
    UNORDERED = "unordered", "In no time order"


class SyncRun(models.Model):
    """One pass of one sync stage, with what it changed and what went wrong."""

    class Kind(models.TextChoices):
        RESULTS = "results", "Results"
        EVIDENCE = "evidence", "Evidence"
        USAGE = "usage", "Usage"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Partly failed"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (another pass was running)"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error_summary = models.TextField(blank=True, default="")
    worker = models.CharField(
        max_length=255,
        blank=True,
        default="",
        help_text="host:pid of the process that ran it, to tell a crashed run from a long one.",
    )
    # Results passes only: how much of the listing was read, and why.
    mode = models.CharField(max_length=16, choices=ResultsMode.choices, blank=True, default="")
    mode_reason = models.CharField(max_length=255, blank=True, default="")
    pages_read = models.PositiveIntegerField(default=0)
    listing_order = models.CharField(
        max_length=16,
        choices=ListingOrder.choices,
        blank=True,
        default="",
        help_text="The results listing's order as this pass saw it; the next passes trust it.",
    )
    warnings = models.JSONField(
        null=True,
        blank=True,
        help_text="Drift seen in AutoProctor's answers: [{field, kind, count, message}].",
    )
    # Progress of a running pass, stored at its checkpoints (proctoring.sync.progress).
    items_done = models.PositiveIntegerField(
        default=0,
        help_text="Attempts read from the listing (results) or whose evidence was tried "
        "(evidence).",
    )
    items_total = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Attempts the pass expects: the listing's count (full results sweeps) or the "
        "attempts waiting for evidence when the pass began. Empty when unknown.",
    )
    pages_total = models.PositiveIntegerField(null=True, blank=True)
    concurrency = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Evidence calls in flight at the last checkpoint."
    )
    rate = models.FloatField(
        null=True, blank=True, help_text="Attempts per second over the last minute or so."
    )
    progress_at = models.DateTimeField(null=True, blank=True, help_text="The last checkpoint.")

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"
        indexes = [models.Index(fields=["kind", "-started_at"], name="syncrun_kind_started_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def duration(self) -> timedelta | None:
        return self.finished_at - self.started_at if self.finished_at else None


class SyncLease(models.Model):
    """A named lock with an expiry, so a crashed worker's lock frees itself."""

    name = models.CharField(max_length=64, primary_key=True)
    holder = models.CharField(max_length=255, blank=True, default="")
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} held by {self.holder} until {self.expires_at}"


class ApiProfile(models.Model):
    """How one account's API answers, as the doctor or a run-time fallback learned it; the
    client uses these forms from then on (autoproctor.forms.CallForms; blank: the contract's)."""

    base_url = models.CharField(max_length=255)
    client_id = models.CharField(max_length=100)
    attempt_form = models.CharField(max_length=32, blank=True, default="")
    client_id_param = models.CharField(max_length=32, blank=True, default="")
    timestamp_unit = models.CharField(max_length=16, blank=True, default="")
    signature_encoding = models.CharField(max_length=16, blank=True, default="")
    trust_score_scale = models.CharField(max_length=16, blank=True, default="")
    listing_has_evidence_status = models.BooleanField(null=True, blank=True)
    listing_order = models.CharField(max_length=16, blank=True, default="")
    paged = models.BooleanField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(default=dict, blank=True, help_text="The doctor's last report.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["base_url", "client_id"], name="api_profile_unique"),
        ]

    def __str__(self):
        return f"API profile of {self.client_id} at {self.base_url}"


class ErasureTombstone(models.Model):
    """An attempt whose copy we erased or deleted on purpose (retention or a candidate's
    erasure request), remembered by its id so that no later sync brings it back.

    Only the attempt's id is kept, never the candidate's name or email.
    """

    client_id = models.CharField(max_length=100)
    test_attempt_id = models.CharField(max_length=100)
    erased_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(
        max_length=32, help_text="Which rule erased it: a retention policy or an erasure request."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client_id", "test_attempt_id"], name="erasure_tombstone_unique"
            ),
        ]

    def __str__(self):
        return f"{self.test_attempt_id} erased ({self.reason})"
