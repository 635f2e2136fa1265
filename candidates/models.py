"""The candidate's side: response links and the responses candidates send through them.

A link is bound to one attempt. Only a keyed hash of its token is stored (candidates.tokens):
the token itself exists in the URL handed to the candidate and nowhere else. A response is the
candidate's own words, one per attempt, kept beside the verdict; both go with the attempt
when it is deleted, and with the candidate's personal data when it is erased.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone


class LinkState(models.TextChoices):
    LIVE = "live", "Open"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class ResponseLink(models.Model):
    """One attempt's response link: who made it, until when it opens, whether it was revoked."""

    attempt = models.ForeignKey(
        "proctoring.Attempt", on_delete=models.CASCADE, related_name="response_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Kept as text, like the review history: it still says who after the account is gone.
    created_by_name = models.CharField(max_length=150)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by_name = models.CharField(max_length=150, blank=True, default="")
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["attempt", "-created_at"], name="response_link_attempt_idx")
        ]

    def __str__(self):
        return f"Response link for attempt {self.attempt_id} ({self.state()})"

    def state(self, now: datetime | None = None) -> str:
        if self.revoked_at is not None:
            return LinkState.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return LinkState.EXPIRED
        return LinkState.LIVE

    def get_state_display(self) -> str:
        return LinkState(self.state()).label


class CandidateResponse(models.Model):
    """What the candidate wrote back: plain text, sent once per attempt."""

    # No accessor on Attempt: "candidate_response" is the CSV export's column of its text.
    attempt = models.OneToOneField("proctoring.Attempt", on_delete=models.CASCADE, related_name="+")
    link = models.ForeignKey(
        ResponseLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Response to attempt {self.attempt_id}"
