"""The "My notifications" form: the events this user's role lets them hear of."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import AbstractBaseUser

from notifications.events import EVENT_TYPES


def events_for(user: AbstractBaseUser) -> list[tuple[str, str]]:
    return [
        (event.name, event.label)
        for event in EVENT_TYPES.values()
        if user.has_perm(event.permission)
    ]


class PreferenceForm(forms.Form):
    events = forms.MultipleChoiceField(
        label="Email me about", required=False, widget=forms.CheckboxSelectMultiple
    )
    daily_digest = forms.BooleanField(
        label="Once a day, in one digest, instead of one email per event", required=False
    )

    def __init__(self, *args, user: AbstractBaseUser, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = events_for(user)
