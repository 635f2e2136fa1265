"""The filters of the audit page (`/audit/`): by user, by action, by attempt. All GET
parameters, so a filtered trail is a URL an auditor can keep."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from access.params import is_storable_text, row_id
from audit.models import AuditEvent
from proctoring.selectors import distinct_values


class AuditFilter(django_filters.FilterSet):
    user = django_filters.CharFilter(
        label="User name",
        field_name="username",
        lookup_expr="iexact",
        widget=forms.TextInput(attrs={"placeholder": "e.g. alice"}),
    )
    action = django_filters.ChoiceFilter(label="Action", empty_label="Any action")
    attempt = django_filters.CharFilter(
        label="Attempt",
        method="filter_attempt",
        widget=forms.TextInput(attrs={"placeholder": "Attempt id"}),
    )

    class Meta:
        model = AuditEvent
        fields = []

    def __init__(self, data=None, queryset=None, *, scoped: bool = False, **kwargs):
        """`scoped`: the queryset is a part of the trail (access.scopes), so the actions
        offered are read from it rather than from the whole trail's index."""
        super().__init__(data, queryset=queryset, **kwargs)
        if scoped:
            found = queryset.order_by("action").values_list("action", flat=True).distinct()
            actions = list(found)
        else:
            actions = distinct_values(AuditEvent, "action")
        self.filters["action"].extra["choices"] = [(action, action) for action in actions]

    def filter_attempt(
        self, queryset: QuerySet[AuditEvent], name: str, value: str
    ) -> QuerySet[AuditEvent]:
        """The attempt's own id (as AutoProctor has it), or our row number (the report's
        link)."""
        value = value.strip()
        if not value:
            return queryset
        if not is_storable_text(value):
            return queryset.none()
        matches = Q(attempt__test_attempt_id=value)
        if row_id(value) is not None:
            matches |= Q(attempt_id=row_id(value))
        return queryset.filter(matches)
