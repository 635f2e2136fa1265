"""Read-only admin listings: holds and purges are made through the Retention page and the
retention commands, which audit and log them."""

from django.contrib import admin

from retention.models import LegalHold, PurgeLogEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LegalHold)
class LegalHoldAdmin(ReadOnlyAdmin):
    list_display = ["placed_at", "attempt", "lookup_key", "placed_by_name", "released_at"]


@admin.register(PurgeLogEntry)
class PurgeLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "count", "policy", "started_by"]
