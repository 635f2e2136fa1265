"""The tests index's filter: attempts started within a date range (django-filter)."""

from __future__ import annotations

import django_filters

from proctoring.models import Attempt


class LabelledDateRange(django_filters.widgets.DateRangeWidget):
    """Two date inputs, each with its own accessible name ("<label>: from", "<label>: to"):
    the visible label names the pair, which a screen reader cannot tie to either input."""

    def __init__(self, label: str):
        super().__init__(attrs={"type": "date"})
        self.widgets[0].attrs["aria-label"] = f"{label}: from"
        self.widgets[1].attrs["aria-label"] = f"{label}: to"


class TestsFilter(django_filters.FilterSet):
    """`?started_after=2026-11-01&started_before=2026-11-30`: only attempts started then count."""

    started = django_filters.DateFromToRangeFilter(
        field_name="started_at",
        label="Attempts started between",
        widget=LabelledDateRange("Attempts started between"),
    )

    class Meta:
        model = Attempt
        fields: list[str] = []
