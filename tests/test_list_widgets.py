"""The attempts list's select boxes (dashboard.widgets) make the markup Django's templates make,
escaping and selection included, without a template per option."""

import pytest
from django import forms
from django.test.html import parse_html

from dashboard.widgets import QuickSelect, QuickSelectMultiple

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
