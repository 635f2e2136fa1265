"""The attempts list's select boxes (dashboard.widgets) make the markup Django's templates make,
escaping and selection included, without a template per option."""

import pytest
from django import forms
from django.test.html import parse_html

from dashboard.widgets import (
    QuickCheckboxInput,
    QuickNumberInput,
    QuickSelect,
    QuickSelectMultiple,
    QuickTextInput,
)

CHOICES = [
    ("", "Any test"),
    ('a&b"<c>', "A & <b>"),
    ("x", "X"),
    ("x", "X again"),
    ("Group", [("g1", "G1"), ("g2", "G2")]),
]


@pytest.mark.parametrize(
    ("django_widget", "quick_widget", "value"),
    [
        (forms.Select, QuickSelect, "x"),
        (forms.Select, QuickSelect, 'a&b"<c>'),
        (forms.Select, QuickSelect, None),
        (forms.SelectMultiple, QuickSelectMultiple, ["x", "g2"]),
        (forms.SelectMultiple, QuickSelectMultiple, []),
    ],
)
def test_a_quick_select_is_djangos_select(django_widget, quick_widget, value):
    attrs = {"size": 4, "required": True, "disabled": False, "data-x": "<'>"}
    expected = django_widget(choices=CHOICES, attrs=attrs).render("n", value, {"id": "id_n"})
    written = quick_widget(choices=CHOICES, attrs=attrs).render("n", value, {"id": "id_n"})
    assert parse_html(written) == parse_html(expected)
    assert "<b>" not in written


PLAIN = [("", "Any test"), ('a&b"<c>', "A & <b>"), ("x", "X"), ("x", "X again"), ("y", "Y")]


@pytest.mark.parametrize("value", ["x", 'a&b"<c>', None, "y", "x"])
def test_a_quick_select_of_plain_choices_is_djangos_select_each_time(value):
    """Plain choices are escaped once per set of choices (dashboard.widgets._escaped_options):
    rendered again, with another value, the markup is still Django's."""
    expected = forms.Select(choices=PLAIN).render("n", value, {"id": "id_n"})
    written = QuickSelect(choices=PLAIN).render("n", value, {"id": "id_n"})
    assert parse_html(written) == parse_html(expected)


@pytest.mark.parametrize(
    ("django_widget", "quick_widget", "value"),
    [
        (forms.TextInput, QuickTextInput, 'O\'Brien & <b> "x"'),
        (forms.TextInput, QuickTextInput, ""),
        (forms.TextInput, QuickTextInput, None),
        (forms.NumberInput, QuickNumberInput, "12.5"),
        (forms.NumberInput, QuickNumberInput, 3),
        (forms.NumberInput, QuickNumberInput, None),
        (forms.CheckboxInput, QuickCheckboxInput, True),
        (forms.CheckboxInput, QuickCheckboxInput, "on"),
        (forms.CheckboxInput, QuickCheckboxInput, False),
        (forms.CheckboxInput, QuickCheckboxInput, None),
    ],
)
def test_a_quick_input_is_djangos_input(django_widget, quick_widget, value):
    attrs = {"placeholder": "Name <or> 'id'", "required": True, "disabled": False, "min": 0}
    expected = django_widget(attrs=attrs).render("n&m", value, {"id": "id_n"})
    written = quick_widget(attrs=attrs).render("n&m", value, {"id": "id_n"})
    assert written == expected.strip()


@pytest.mark.parametrize(
    "value", [None, [None, None], ["2026-01-02", None], ["2026-01-02", '2026-02-03"<x>']]
)
def test_a_quick_date_range_is_django_filters_date_range(value):
    from django_filters.widgets import DateRangeWidget

    from dashboard.widgets import QuickDateRangeWidget

    attrs = {"type": "date", "aria-label": "From <and> to"}
    expected = DateRangeWidget(attrs=attrs).render("submitted", value, {"id": "id_submitted"})
    written = QuickDateRangeWidget(attrs=attrs).render("submitted", value, {"id": "id_submitted"})
    assert written == expected
