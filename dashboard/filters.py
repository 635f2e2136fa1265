"""The filters of the attempts list, shared by the page and the CSV export.

The whole filter state is GET parameters, so a filtered view is a URL that can be bookmarked,
shared, sorted, paged and exported as it is. Trust scores are entered in percent (as shown) and
compared as fractions (as stored). A value that does not validate is reported on the page and
left out of the filter; the export refuses it instead (see dashboard.views.export).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from dashboard import selectors
from dashboard.labels import label_words
from proctoring.models import Attempt, EvidenceRecord
from review.models import Verdict
from review.selectors import changed_since_review, has_verdict
from review.thresholds import below_threshold


class AttemptFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Name, email or attempt id"}
        ),
    )
    lookup_key = django_filters.ChoiceFilter(label="Test", empty_label="Any test")
    trust_min = django_filters.NumberFilter(
        label="Trust score from (%)",
        method="filter_trust_min",
        min_value=Decimal(0),
        max_value=Decimal(100),
        widget=forms.NumberInput(attrs={"step": "any", "min": "0", "max": "100"}),
    )
    trust_max = django_filters.NumberFilter(
        label="Trust score to (%)",
        method="filter_trust_max",
        min_value=Decimal(0),
        max_value=Decimal(100),
        widget=forms.NumberInput(attrs={"step": "any", "min": "0", "max": "100"}),
    )
    submitted = django_filters.DateFromToRangeFilter(
        label="Submitted between",
        field_name="submitted_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    violation = django_filters.ChoiceFilter(
        label="Has violation", method="filter_violation", empty_label="Any or none"
    )
    evidence_status = django_filters.ChoiceFilter(label="Evidence", empty_label="Any status")
    below_threshold = django_filters.BooleanFilter(
        label="Only below the review threshold",
        method="filter_below_threshold",
        widget=forms.CheckboxInput,
    )
    in_progress = django_filters.BooleanFilter(
        label="Only in progress (not submitted)",
        method="filter_in_progress",
        widget=forms.CheckboxInput,
    )
    review_status = django_filters.ChoiceFilter(
        label="Review",
        method="filter_review_status",
        choices=Verdict.choices,
        empty_label="Any verdict",
    )
    reviewed_by = django_filters.ChoiceFilter(
        label="Reviewed by", method="filter_reviewed_by", empty_label="Anyone"
    )
    changed_since_review = django_filters.BooleanFilter(
        label="Only changed since their review",
        method="filter_changed_since_review",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Attempt
        fields = []

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        # The choices come from the data; read them once per request, not per iteration.
        self.filters["lookup_key"].extra["choices"] = [
            (key, key) for key in selectors.lookup_keys()
        ]
        self.filters["violation"].extra["choices"] = [
            (label, label_words(label)) for label in selectors.evidence_labels()
        ]
        self.filters["reviewed_by"].extra["choices"] = [
            (name, name) for name in selectors.reviewers()
        ]
        self.filters["evidence_status"].extra["choices"] = [
            (status, status.capitalize()) for status in selectors.evidence_statuses()
        ]
        threshold = round(settings.REVIEW_THRESHOLD * 100, 2)
        self.filters[
            "below_threshold"
        ].label = f"Only below the review threshold ({threshold:g} % unless the test has its own)"

    @property
    def active(self) -> bool:
        """True when any filter narrows the list (for the "clear filters" link)."""
        return self.is_bound and any(
            value not in (None, "", False, [])
            and not (isinstance(value, slice) and value.start is None and value.stop is None)
            for value in self.form.cleaned_data.values()
        )

    def filter_search(
        self, queryset: QuerySet[Attempt], name: str, value: Any
    ) -> QuerySet[Attempt]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(candidate_name__icontains=value)
            | Q(candidate_email__icontains=value)
            | Q(test_attempt_id__icontains=value)
        )

    def filter_trust_min(
        self, queryset: QuerySet[Attempt], name: str, value: Any
    ) -> QuerySet[Attempt]:
        return queryset.filter(trust_score__gte=float(value) / 100)

    def filter_trust_max(
        self, queryset: QuerySet[Attempt], name: str, value: Any
    ) -> QuerySet[Attempt]:
        return queryset.filter(trust_score__lte=float(value) / 100)

    def filter_violation(
        self, queryset: QuerySet[Attempt], name: str, value: Any
    ) -> QuerySet[Attempt]:
        return queryset.filter(
            Exists(
                EvidenceRecord.objects.filter(
                    attempt=OuterRef("pk"), label=value, is_violation=True
                )
            )
        )

    def filter_below_threshold(
        self, queryset: QuerySet[Attempt], name: str, value: Any
    ) -> QuerySet[Attempt]:
        return queryset.filter(below_threshold()) if value else queryset

    def filter_in_progress(
        self, queryset: QuerySet[Attempt], name: str, value: Any
    ) -> QuerySet[Attempt]:
        return queryset.filter(submitted_at__isnull=True) if value else queryset

    def filter_review_status(
        self, queryset: QuerySet[Attempt], name: str, value: Any
    ) -> QuerySet[Attempt]:
        if value == Verdict.UNREVIEWED:
            return queryset.filter(~has_verdict())
        return queryset.filter(has_verdict(verdict=value))

    def filter_reviewed_by(
        self, queryset: QuerySet[Attempt], name: str, value: Any
    ) -> QuerySet[Attempt]:
        return queryset.filter(has_verdict(reviewer_name=value))

    def filter_changed_since_review(
        self, queryset: QuerySet[Attempt], name: str, value: Any
    ) -> QuerySet[Attempt]:
        return queryset.filter(changed_since_review()) if value else queryset
