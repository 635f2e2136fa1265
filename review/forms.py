"""What a reviewer sends: a verdict (one attempt or several), a note, a dismissal.

Errors are worded for the page: they say what is missing and that nothing was saved.
"""

from __future__ import annotations

from django import forms

from proctoring.models import Attempt
from review.models import ContextKind, Verdict
from review.presets import presets_for
from review.services import PRESETS, Seen

VERDICT_CHOICES = [
    (value, label) for value, label in Verdict.choices if value != Verdict.UNREVIEWED
]
# The key that picks each verdict on the keyboard (static/js/review.js reads data-key).
VERDICT_KEYS = {Verdict.CLEARED: "c", Verdict.SUSPICIOUS: "s", Verdict.VIOLATION: "v"}
REASON_REQUIRED = "Give a reason: it is kept with the verdict in the attempt's history."


class VerdictFields(forms.Form):
    """`presets`: the common reasons offered (review.presets.presets_for), built-in ones when
    not given."""

    def __init__(self, *args, presets: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if presets is not None:
            self.fields["preset"].choices = [("", "(none)")] + [(text, text) for text in presets]

    verdict = forms.ChoiceField(
        choices=VERDICT_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a verdict: cleared, suspicious or violation confirmed."
        },
    )
    preset = forms.ChoiceField(
        label="Common reason",
        choices=[("", "(none)")] + [(preset, preset) for preset in PRESETS],
        required=False,
    )
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        error_messages={"required": REASON_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "Why this verdict"}),
    )


class VerdictForm(VerdictFields):
    """The verdict form of one attempt's report. It carries the figures the page showed, so a
    verdict given on figures that changed meanwhile is refused instead of stored as seen."""

    seen_trust_score = forms.FloatField(required=False, widget=forms.HiddenInput)
    seen_violation_count = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    queue = forms.BooleanField(required=False, widget=forms.HiddenInput)

    @classmethod
    def for_attempt(cls, attempt: Attempt, *, queue: bool = False) -> VerdictForm:
        return cls(
            presets=presets_for(attempt.lookup_key),
            initial={
                "seen_trust_score": attempt.trust_score,
                "seen_violation_count": attempt.violation_count,
                "queue": queue,
            },
        )

    def seen(self) -> Seen:
        return Seen(
            trust_score=self.cleaned_data["seen_trust_score"],
            violation_count=self.cleaned_data["seen_violation_count"],
        )


class BulkVerdictForm(VerdictFields):
    attempts = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={"required": "Tick the attempts to give this verdict first."},
    )

    def __init__(self, data=None, **kwargs):
        kwargs.setdefault("presets", presets_for(None))
        super().__init__(data, **kwargs)
        # Any id is accepted here; the service reads the attempts that exist.
        ids = data.getlist("attempts") if data is not None else []
        self.fields["attempts"].choices = [(value, value) for value in ids if value.isdigit()]
        self.fields["attempts"].error_messages["invalid_choice"] = "Not an attempt: %(value)s."


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Note",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write the note first; nothing was saved."},
    )
    record = forms.IntegerField(required=False, widget=forms.HiddenInput)


class DismissalForm(forms.Form):
    action = forms.ChoiceField(choices=[("dismiss", "Dismiss"), ("restore", "Count again")])
    reason = forms.CharField(label="Why it does not count", max_length=2000, required=False)

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("action") == "dismiss" and not cleaned.get("reason"):
            self.add_error("reason", "Say why this record does not count; nothing was dismissed.")
        return cleaned


class GroupDismissalForm(forms.Form):
    """Dismiss several violations at once: an incident's (`records`) or every one of a label."""

    records = forms.TypedMultipleChoiceField(coerce=int, required=False)
    label = forms.CharField(max_length=100, required=False)
    reason = forms.CharField(
        label="Why they do not count",
        max_length=2000,
        error_messages={"required": "Say why these records do not count; nothing was dismissed."},
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        ids = data.getlist("records") if data is not None else []
        self.fields["records"].choices = [(value, value) for value in ids if value.isdigit()]
        self.fields["records"].error_messages["invalid_choice"] = (
            "Not an evidence record: %(value)s."
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("records") and not cleaned.get("label"):
            raise forms.ValidationError("Choose the incident or the label to dismiss.")
        return cleaned


class ContextNoteForm(forms.Form):
    kind = forms.ChoiceField(choices=ContextKind.choices)
    text = forms.CharField(
        label="Note",
        max_length=5000,
        error_messages={"required": "Write the note first; nothing was saved."},
    )
