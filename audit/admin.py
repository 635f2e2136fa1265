"""The audit trail in the Django admin: searchable, never editable."""

from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "username", "action", "attempt", "summary"]
    list_filter = ["action"]
    search_fields = ["username", "summary", "attempt__test_attempt_id"]
    date_hierarchy = "at"
    raw_id_fields = ["attempt", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
