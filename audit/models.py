"""The audit trail: who did what, for the audit page.

Synced AutoProctor data lives in proctoring.models; this app only records people's actions
on it (opening evidence, console calls, verdicts, exports), append-only.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """One action by one user. Rows are only ever added, never changed or deleted by the UI."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text so the trail still says who it was after the account is deleted.
    username = models.CharField(max_length=150)
    action = models.CharField(max_length=64, db_index=True, help_text="e.g. evidence.view")
    attempt = models.ForeignKey(
        "proctoring.Attempt",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    summary = models.CharField(max_length=500, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "dashboard_auditevent"  # created when this model lived in the dashboard app
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"], name="audit_user_at_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"
