"""The filters of the attempts list, shared by the page and the CSV export.

The whole filter state is GET parameters, so a filtered view is a URL that can be bookmarked,
shared, sorted, paged and exported as it is. Trust scores are entered in percent (as shown) and
compared as fractions (as stored). A value that does not validate is reported on the page and
left out of the filter; the export refuses it instead (see dashboard.views.export).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import django_filters
from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.choices import BaseChoiceIterator

from access.scopes import scope_of
from dashboard import selectors
from dashboard.columns import SORT_COLUMNS
from dashboard.labels import label_words
from dashboard.widgets import (
    QuickCheckboxInput,
    QuickDateRangeWidget,
    QuickNumberInput,
    QuickSelect,
    QuickSelectMultiple,
    QuickTextInput,
)
from proctoring.models import Attempt, EvidenceRecord
from review.models import Verdict
from review.selectors import changed_since_review, has_verdict
from review.thresholds import below_threshold

# How long an attempt took, as the list's Duration column computes it.
DURATION = SORT_COLUMNS["duration"].annotation

# Bounds that keep a typed number inside what a timedelta and a database integer hold; no
# attempt comes near them (a year of minutes, a million violations).
LONGEST_MINUTES = 366 * 24 * 60
LARGEST_COUNT = 1_000_000

# The filters shown in the list's one-line bar; the others are behind "More filters".
MAIN_FILTERS = ("q", "lookup_key", "review_status", "below_threshold")


class _Given(BaseChoiceIterator):
    """A request's choices, as they are: the form copies each field (deepcopy) when it is
    made, and a list of choices is copied pair by pair (every test of an institution:
    hundreds); a choice field normalises a list or a callable's list pair by pair whenever it
    is read (on validation, on rendering). An iterator of choices is kept as it is, and this
    one is its own copy: the choices are the request's own, plain (value, label) strings, and
    never changed."""

    def __init__(self, choices: list[tuple[str, str]]):
        self.choices = choices

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.choices)

    def __len__(self) -> int:
        return len(self.choices)

    def __deepcopy__(self, memo: dict) -> _Given:
        return self


def _given(choices: list[tuple[str, str]]) -> _Given:
    return _Given(choices)


class _Filters(dict):
    """AttemptFilter's filters, as each request copies them (django_filters deep-copies its
    class's filters for every filter set it makes): each filter is copied with its own
    keyword arguments (`extra`, which __init__ gives the request's choices), not deeply
    through every widget, its attributes and the review choices (about 1 ms a request). What
    a copy shares with the class's filter is never changed: a widget in `extra` is copied by
    the form field made from it (django.forms.Field)."""

    def __deepcopy__(self, memo: dict) -> dict:
        copies = {}
        for name, original in self.items():
            filter_ = copy.copy(original)
            filter_.extra = dict(original.extra)
            filter_.__dict__.pop("_field", None)  # made from `extra` when first asked for
            filter_.method = original.method  # its FilterMethod, bound to the copy
            copies[name] = filter_
        return copies


class AttemptFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        widget=QuickTextInput(attrs={"type": "search", "placeholder": "Name, email or attempt id"}),
    )
    lookup_key = django_filters.ChoiceFilter(
        label="Test", empty_label="Any test", widget=QuickSelect
    )
    trust_min = django_filters.NumberFilter(
        label="Trust score from (%)",
        method="filter_trust_min",
        min_value=Decimal(0),
        max_value=Decimal(100),
        widget=QuickNumberInput(
            attrs={"step": "any", "min": "0", "max": "100", "aria-label": "Trust score from (%)"}
        ),
    )
    trust_max = django_filters.NumberFilter(
        label="Trust score to (%)",
        method="filter_trust_max",
        min_value=Decimal(0),
        max_value=Decimal(100),
        widget=QuickNumberInput(
            attrs={"step": "any", "min": "0", "max": "100", "aria-label": "Trust score to (%)"}
        ),
    )
    submitted = django_filters.DateFromToRangeFilter(
        label="Submitted between",
        field_name="submitted_at",
        widget=QuickDateRangeWidget(
            attrs={"type": "date", "aria-label": "Submitted between (from, to)"}
        ),
    )
    violation = django_filters.ChoiceFilter(
        label="Has violation",
        method="filter_violation",
        empty_label="Any or none",
        widget=QuickSelect,
    )
    evidence_status = django_filters.ChoiceFilter(
        label="Evidence", empty_label="Any status", widget=QuickSelect
    )
    below_threshold = django_filters.BooleanFilter(
        label="Only below the review threshold",
        method="filter_below_threshold",
        widget=QuickCheckboxInput,
    )
    in_progress = django_filters.BooleanFilter(
        label="Only in progress (not submitted)",
        method="filter_in_progress",
        widget=QuickCheckboxInput,
    )
    review_status = django_filters.ChoiceFilter(
        label="Review",
        method="filter_review_status",
        choices=Verdict.choices,
        empty_label="Any verdict",
        widget=QuickSelect,
    )
    reviewed_by = django_filters.ChoiceFilter(
        label="Reviewed by", method="filter_reviewed_by", empty_label="Anyone", widget=QuickSelect
    )
    labels = django_filters.MultipleChoiceFilter(
        label="Has any of",
        method="filter_labels",
        widget=QuickSelectMultiple(attrs={"size": 4}),
    )
    count_label = django_filters.ChoiceFilter(
        label="Kind to count",
        method="filter_nothing",
        empty_label="Any violation",
        widget=QuickSelect,
    )
    count_min = django_filters.NumberFilter(
        label="At least (violations)",
        method="filter_count_min",
        min_value=Decimal(1),
        max_value=Decimal(LARGEST_COUNT),
        widget=QuickNumberInput(attrs={"min": "1", "step": "1", "aria-label": "At least"}),
    )
    duration_min = django_filters.NumberFilter(
        label="Duration from (minutes)",
        method="filter_duration_min",
        min_value=Decimal(0),
        max_value=Decimal(LONGEST_MINUTES),
        widget=QuickNumberInput(
            attrs={"min": "0", "step": "any", "aria-label": "Duration from (minutes)"}
        ),
    )
    duration_max = django_filters.NumberFilter(
        label="Duration to (minutes)",
        method="filter_duration_max",
        min_value=Decimal(0),
        max_value=Decimal(LONGEST_MINUTES),
        widget=QuickNumberInput(
            attrs={"min": "0", "step": "any", "aria-label": "Duration to (minutes)"}
        ),
    )
    changed_since_review = django_filters.BooleanFilter(
        label="Only changed since their review",
        method="filter_changed_since_review",
        widget=QuickCheckboxInput,
    )

    class Meta:
        model = Attempt
        fields = []

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        # The choices come from the data the requesting user may see (no request: none of
        # it); read them once per request, not per iteration.
        choices = selectors.filter_choices(getattr(self.request, "user", None))
        self.filters["lookup_key"].extra["choices"] = _given(
            [(key, key) for key in choices["lookup_keys"]]
        )
        label_choices = _given([(label, label_words(label)) for label in choices["labels"]])
        for name in ("violation", "labels", "count_label"):
            self.filters[name].extra["choices"] = label_choices
        self.filters["reviewed_by"].extra["choices"] = _given(
            [(name, name) for name in choices["reviewers"]]
        )
        self.filters["evidence_status"].extra["choices"] = _given(
            [(status, status.capitalize()) for status in choices["statuses"]]
        )
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

    @property
    def more_active(self) -> bool:
        """True when a filter behind "More filters" narrows the list (it opens then)."""
        return self.is_bound and any(
            value not in (None, "", False, [])
            and not (isinstance(value, slice) and value.start is None and value.stop is None)
            for name, value in self.form.cleaned_data.items()
            if name not in MAIN_FILTERS
        )

    @property
    def tests(self) -> list[str] | None:
        """The tests the filtered rows can belong to, when known: the one test chosen, or
        those of a user limited to tests named in full (access.scopes); None: any, or a
        search, which its trigram indexes serve over every test at once better than reading
        each test's rows in order (dashboard.pagination)."""
        data = getattr(self.form, "cleaned_data", {}) if self.is_bound else {}
        if data.get("lookup_key"):
            return [data["lookup_key"]]
        if (data.get("q") or "").strip():
            return None
        return scope_of(getattr(self.request, "user", None)).named_tests

    @property
    def checks_evidence(self) -> bool:
        """True when a filter asks for attempts with some evidence (a violation, labels, a
        count of a label): the count of a few tests' list is then counted test by test
        (dashboard.pagination.capped_count). Other filters are best counted at once: a
        search, for one, is served by its trigram indexes over every test."""
        data = getattr(self.form, "cleaned_data", {}) if self.is_bound else {}
        return bool(data.get("violation") or data.get("labels") or data.get("count_label"))

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

    def filter_labels(
        self, queryset: QuerySet[Attempt], name: str, value: Any
    ) -> QuerySet[Attempt]:
        """Attempts with a violation of any of the labels `value`."""
        if not value:
            return queryset
        return queryset.filter(
            Exists(
                EvidenceRecord.objects.filter(
                    attempt=OuterRef("pk"), label__in=value, is_violation=True
                )
            )
        )

    def filter_nothing(
        self, queryset: QuerySet[Attempt], name: str, value: Any
    ) -> QuerySet[Attempt]:
        """`count_label` only says what `count_min` counts."""
        return queryset

    def filter_count_min(
        self, queryset: QuerySet[Attempt], name: str, value: Any
    ) -> QuerySet[Attempt]:
        """At least `value` violations of the kind `count_label` (of any kind when empty)."""
        label = self.form.cleaned_data.get("count_label")
        if not label:
            return queryset.filter(violation_count__gte=int(value))
        counted = (
            EvidenceRecord.objects.filter(attempt=OuterRef("pk"), label=label, is_violation=True)
            .order_by()
            .values("attempt")
            .annotate(total=Count("*"))
            .values("total")
        )
        return queryset.alias(
            label_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0)
        ).filter(label_count__gte=int(value))

    def filter_duration_min(
        self, queryset: QuerySet[Attempt], name: str, value: Any
    ) -> QuerySet[Attempt]:
        return queryset.alias(filter_duration=DURATION).filter(
            filter_duration__gte=timedelta(minutes=float(value))
        )

    def filter_duration_max(
        self, queryset: QuerySet[Attempt], name: str, value: Any
    ) -> QuerySet[Attempt]:
        return queryset.alias(filter_duration=DURATION).filter(
            filter_duration__lte=timedelta(minutes=float(value))
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


AttemptFilter.base_filters = _Filters(AttemptFilter.base_filters)
