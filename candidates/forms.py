"""The candidate's response: plain text, up to CANDIDATE_RESPONSE_MAX_CHARS characters (a NUL
is refused by Django's CharField, so what is kept can be stored by any database)."""

from __future__ import annotations

from django import forms
from django.conf import settings


class ResponseForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.CANDIDATE_RESPONSE_MAX_CHARS
        self.fields["text"] = forms.CharField(
            label="Your response",
            max_length=limit,
            widget=forms.Textarea(attrs={"rows": 10}),
            help_text=f"Plain text, at most {limit} characters. You can send one response; it "
            "cannot be changed afterwards.",
            error_messages={"required": "Write your response before sending it."},
        )
