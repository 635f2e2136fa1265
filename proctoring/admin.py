"""Read-mostly admin: synced data is browsed and searched here, never edited by hand."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from proctoring.models import (
    Attempt,
    EvidenceRecord,
    SyncLease,
    SyncRun,
    UsageSnapshot,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Synced rows are AutoProctor's truth; a hand edit would be overwritten or, worse, kept."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class EvidenceRecordInline(admin.TabularInline):
    model = EvidenceRecord
    extra = 0
    can_delete = False
    fields = ["device", "position", "label", "is_violation", "occurred_at", "data_type", "s3_path"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
