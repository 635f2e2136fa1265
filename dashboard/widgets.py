"""Select boxes and inputs of the attempts list's filters, written in Python instead of one
template per option or input.

Django renders each <option> through a template of its own; the test filter alone offers every
test of an institution (hundreds), so the filters cost more to render than the page's rows and
its SQL together (benchmarks/HISTORY.md). These widgets make the same markup as Django's
(`django/forms/widgets/select.html`, `select_option.html`, `attrs.html`), escaped as the
templates' autoescape does.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import forms
from django.utils.safestring import SafeString, mark_safe
from django_filters.widgets import DateRangeWidget

from dashboard.markup import escape as _escape


def _attributes(attrs: dict[str, Any]) -> str:
    """` name="value"` for each attribute, ` name` alone for True, nothing for False (as
    Django's attrs.html)."""
    return "".join(
        f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class _QuickSelectMixin:
    """The markup of ChoiceWidget.optgroups and the select templates, option by option."""

    def render(
        self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self  # type: Any
        attrs = widget.build_attrs(widget.attrs, attrs)
        if widget.allow_multiple_selected:
            attrs["multiple"] = True
        wanted = set(widget.format_value(value))
        parts = [f'<select name="{_escape(name)}"{_attributes(attrs)}>']
        choices = list(widget.choices)
        options = _plain_options(choices)
        if options is None:
            parts.extend(_options(choices, wanted, widget.allow_multiple_selected))
        else:
            parts.extend(_selected(options, wanted, widget.allow_multiple_selected))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)


def _options(choices: list, wanted: set[str], multiple: bool) -> list[str]:
    """The <option>s (and <optgroup>s) of `choices`, those whose value is in `wanted` selected
    (only the first unless `multiple`)."""
    parts = []
    has_selected = False
    for option_value, option_label in choices:
        grouped = isinstance(option_label, list | tuple)
        if grouped:
            parts.append(f'<optgroup label="{_escape(option_value)}">')
        group = option_label if grouped else [(option_value, option_label)]
        for subvalue, sublabel in group:
            subvalue = "" if subvalue is None else subvalue
            selected = (not has_selected or multiple) and str(subvalue) in wanted
            has_selected |= selected
            parts.append(
                f'<option value="{_escape(subvalue)}"{" selected" if selected else ""}>'
                f"{_escape(sublabel)}</option>"
            )
        if grouped:
            parts.append("</optgroup>")
    return parts


def _plain_options(choices: list) -> tuple[tuple[str, str, str], ...] | None:
    """(value, start, end) of each option of `choices` when every value and label is a plain
    str (the tests, labels, statuses and reviewers read from the database), escaped once per
    set of choices rather than once per request: the test filter offers every test of an
    institution on every page. None for anything else (groups, lazy or other labels), which
    _options writes as it is."""
    if not all(type(value) is str and type(label) is str for value, label in choices):
        return None
    return _escaped_options(tuple((value, label) for value, label in choices))


@lru_cache(maxsize=64)
def _escaped_options(choices: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str, str], ...]:
    """One entry per set of choices: those of each scope of test admins, of every test."""
    return tuple(
        (value, f'<option value="{_escape(value)}"', f">{_escape(label)}</option>")
        for value, label in choices
    )


def _selected(
    options: tuple[tuple[str, str, str], ...], wanted: set[str], multiple: bool
) -> list[str]:
    """The escaped `options` as _options writes them, the wanted ones selected."""
    if not wanted:
        return [start + end for _, start, end in options]
    parts = []
    has_selected = False
    for value, start, end in options:
        selected = (not has_selected or multiple) and value in wanted
        has_selected |= selected
        parts.append(f"{start} selected{end}" if selected else start + end)
    return parts


class QuickSelect(_QuickSelectMixin, forms.Select):
    """forms.Select, rendered without a template per option."""


class QuickSelectMultiple(_QuickSelectMixin, forms.SelectMultiple):
    """forms.SelectMultiple, rendered without a template per option."""


class _QuickInputMixin:
    """The markup of Django's input.html and attrs.html, from the widget's own context (its
    type, value, and attributes: `checked` for a ticked checkbox)."""

    def render(
        self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]
        return mark_safe(_input(widget))  # noqa: S308 (every value escaped)


def _input(widget: dict[str, Any]) -> str:
    """The <input> of an input widget's context (`widget`), every value escaped."""
    given = widget["value"]
    shown = "" if given is None else f' value="{_escape(str(given))}"'
    return (
        f'<input type="{_escape(widget["type"])}" name="{_escape(widget["name"])}"{shown}'
        f"{_attributes(widget['attrs'])}>"
    )


class QuickTextInput(_QuickInputMixin, forms.TextInput):
    """forms.TextInput, rendered without a template."""


class QuickNumberInput(_QuickInputMixin, forms.NumberInput):
    """forms.NumberInput, rendered without a template."""


class QuickCheckboxInput(_QuickInputMixin, forms.CheckboxInput):
    """forms.CheckboxInput, rendered without a template."""


class QuickDateRangeWidget(DateRangeWidget):
    """django_filters' DateRangeWidget (from and to), rendered without templates: its two
    inputs as Django's input.html makes them, joined as django_filters' multiwidget.html
    joins them (a template each, and two includes, on every page of the list)."""

    def _render(self, template_name: str, context: dict, renderer: Any = None) -> SafeString:
        inputs = (_input(widget) for widget in context["widget"]["subwidgets"])
        return mark_safe("\n\n-".join(inputs))  # noqa: S308 (every value escaped)
