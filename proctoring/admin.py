"""Read-mostly admin: synced data is browsed and searched here, never edited by hand."""

from django.contrib import admin

from proctoring.models import (
    Attempt,
    EvidenceDismissal,
    EvidenceRecord,
    ReviewNote,
    ReviewState,
    SyncLease,
    SyncRun,
    UsageSnapshot,
    VerdictChange,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Synced rows are AutoProctor's truth; a hand edit would be overwritten or, worse, kept."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EvidenceRecordInline(admin.TabularInline):
    model = EvidenceRecord
    extra = 0
    can_delete = False
    fields = ["device", "position", "label", "is_violation", "occurred_at", "data_type", "s3_path"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = [
        "test_attempt_id",
        "candidate_name",
        "candidate_email",
        "lookup_key",
        "submitted_at",
        "trust_score",
        "violation_count",
        "evidence_status",
        "sync_error_count",
    ]
    list_filter = ["evidence_status", "lookup_key", "device"]
    search_fields = ["test_attempt_id", "candidate_name", "candidate_email"]
    date_hierarchy = "submitted_at"
    inlines = [EvidenceRecordInline]
    show_full_result_count = False


@admin.register(EvidenceRecord)
class EvidenceRecordAdmin(ReadOnlyAdmin):
    list_display = ["attempt", "device", "label", "is_violation", "occurred_at", "data_type"]
    list_filter = ["label", "is_violation", "device", "data_type"]
    search_fields = ["attempt__test_attempt_id", "label"]
    list_select_related = ["attempt"]
    raw_id_fields = ["attempt"]
    show_full_result_count = False
    # A presigned URL fetches the file with no login and no audit: never shown.
    exclude = ["presigned_url", "presigned_url_expires_at"]


@admin.register(UsageSnapshot)
class UsageSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["taken_at", "credits_remaining", "credits_used", "period_start", "period_end"]
    date_hierarchy = "taken_at"


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = [
        "kind",
        "started_at",
        "finished_at",
        "status",
        "created",
        "updated",
        "unchanged",
        "failed",
    ]
    list_filter = ["kind", "status"]


@admin.register(SyncLease)
class SyncLeaseAdmin(admin.ModelAdmin):
    """Leases may be deleted by hand to free a lock a crashed worker left behind."""

    list_display = ["name", "holder", "expires_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class HistoryAdmin(ReadOnlyAdmin):
    """Review history is evidence of who decided what: browsed here, never edited or deleted."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VerdictChange)
class VerdictChangeAdmin(HistoryAdmin):
    list_display = ["at", "attempt", "previous_verdict", "verdict", "reviewer_name", "bulk"]
    list_filter = ["verdict", "bulk"]
    search_fields = ["attempt__test_attempt_id", "reviewer_name", "reason"]
    list_select_related = ["attempt"]
    raw_id_fields = ["attempt", "reviewer"]


@admin.register(ReviewState)
class ReviewStateAdmin(HistoryAdmin):
    list_display = ["attempt", "verdict", "reviewer_name", "reviewed_at"]
    list_filter = ["verdict"]
    search_fields = ["attempt__test_attempt_id", "reviewer_name"]
    list_select_related = ["attempt"]
    raw_id_fields = ["attempt", "reviewed_by", "latest_change"]


@admin.register(ReviewNote)
class ReviewNoteAdmin(HistoryAdmin):
    list_display = ["at", "attempt", "author_name", "label", "text"]
    search_fields = ["attempt__test_attempt_id", "author_name", "text"]
    list_select_related = ["attempt"]
    raw_id_fields = ["attempt", "author"]


@admin.register(EvidenceDismissal)
class EvidenceDismissalAdmin(HistoryAdmin):
    list_display = ["at", "attempt", "label", "occurred_at", "dismissed_by_name", "reason"]
    search_fields = ["attempt__test_attempt_id", "dismissed_by_name", "reason"]
    list_select_related = ["attempt"]
    raw_id_fields = ["attempt", "dismissed_by"]
