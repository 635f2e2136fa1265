"""The legal hold forms: a target (one attempt by its id, or a test) and a reason."""

from __future__ import annotations

from django import forms

from proctoring.models import Attempt


class HoldForm(forms.Form):
    test_attempt_id = forms.CharField(
        label="Attempt id", max_length=100, required=False, help_text="Hold one attempt…"
    )
    lookup_key = forms.CharField(
        label="Test (lookup key)", max_length=255, required=False, help_text="…or a whole test."
    )
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        attempt_id = (data.get("test_attempt_id") or "").strip()
        lookup_key = (data.get("lookup_key") or "").strip()
        if bool(attempt_id) == bool(lookup_key):
            raise forms.ValidationError(
                "Give either an attempt id or a test's lookup key (one of the two)."
            )
        data["attempt"] = None
        if attempt_id:
            data["attempt"] = Attempt.objects.filter(test_attempt_id=attempt_id).first()
            if data["attempt"] is None:
                self.add_error(
                    "test_attempt_id",
                    f"No attempt has the id {attempt_id!r}; copy it from the attempt's report.",
                )
        data["lookup_key"] = lookup_key
        return data


class ReleaseForm(forms.Form):
    reason = forms.CharField(label="Why release it", widget=forms.Textarea(attrs={"rows": 2}))
