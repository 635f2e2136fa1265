"""The audit trail in the Django admin: searchable, never editable."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from audit.models import AuditEvent


class HistoryAdmin(admin.ModelAdmin):
    """History is evidence of who did what: browsed and searched here, never added, edited or
    deleted by hand. The audit trail and the reviewers' history (review.admin) both use it."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(HistoryAdmin):
    list_display = ["at", "username", "action", "attempt", "summary"]
    list_filter = ["action"]
    search_fields = ["username", "summary", "attempt__test_attempt_id"]
    date_hierarchy = "at"
    raw_id_fields = ["attempt", "user"]
