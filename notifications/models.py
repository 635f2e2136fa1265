"""Notifications: the events the product announces, their webhook deliveries, and each
user's choice of what to be emailed about.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class NotificationEvent(models.Model):
    """One announced event. Its id travels with every delivery, so a receiver that gets it
    twice (delivery is at least once) can tell."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.CharField(max_length=64, db_index=True, help_text="e.g. attempt.needs_review")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.event} at {self.created_at:%Y-%m-%d %H:%M}"

    def payload(self) -> dict:
        """The JSON body a webhook receives."""
        return {
            "event": self.event,
            "id": str(self.id),
            "created_at": self.created_at.isoformat(),
            "data": self.data,
        }


class WebhookDelivery(models.Model):
    """One event to one webhook URL: tried by the worker until the receiver answers 2xx, with
    growing pauses, at most NOTIFY_WEBHOOK_MAX_ATTEMPTS times."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"

    event = models.ForeignKey(
        NotificationEvent, on_delete=models.CASCADE, related_name="deliveries"
    )
    url = models.CharField(max_length=2000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due_idx",
            ),
        ]

    def __str__(self):
        return f"{self.event.event} to {self.host}: {self.status}"

    @property
    def host(self) -> str:
        """The receiver's host, for pages and logs (a URL's path or query may hold a token)."""
        return urlsplit(self.url).netloc


class NotificationPreference(models.Model):
    """Which events one user is emailed about, and whether one by one or in a daily digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    events = models.JSONField(default=list, blank=True)
    daily_digest = models.BooleanField(default=False)
    digest_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Notifications of {self.user}"
