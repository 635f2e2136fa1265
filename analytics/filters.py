"""The tests index's filter: attempts started within a date range (django-filter)."""

from __future__ import annotations

import django_filters

from proctoring.models import Attempt


class TestsFilter(django_filters.FilterSet):
    """`?started_after=2026-11-01&started_before=2026-11-30`: only attempts started then count."""

    started = django_filters.DateFromToRangeFilter(
        field_name="started_at",
        label="Attempts started between",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = Attempt
        fields: list[str] = []
