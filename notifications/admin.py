"""Read-only admin listings of events and deliveries (the worker writes them)."""

from django.contrib import admin

from notifications.models import NotificationEvent, WebhookDelivery


@admin.register(NotificationEvent)
class NotificationEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event", "id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "event", "host", "status", "attempts", "last_status_code"]
    exclude = ["url"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
