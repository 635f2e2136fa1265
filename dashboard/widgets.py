"""Select boxes of the attempts list's filters, written in Python instead of one template per
option.

Django renders each <option> through a template of its own; the test filter alone offers every
test of an institution (hundreds), so the filters cost more to render than the page's rows and
its SQL together (benchmarks/HISTORY.md). These widgets make the same markup as Django's
(`django/forms/widgets/select.html`, `select_option.html`, `attrs.html`), escaped as the
templates' autoescape does.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import conditional_escape as _escape
from django.utils.safestring import SafeString, mark_safe


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
        has_selected = False
        for option_value, option_label in widget.choices:
            grouped = isinstance(option_label, list | tuple)
            if grouped:
                parts.append(f'<optgroup label="{_escape(option_value)}">')
            choices = option_label if grouped else [(option_value, option_label)]
            for subvalue, sublabel in choices:
                subvalue = "" if subvalue is None else subvalue
                selected = (not has_selected or widget.allow_multiple_selected) and str(
                    subvalue
                ) in wanted
                has_selected |= selected
                parts.append(
                    f'<option value="{_escape(subvalue)}"{" selected" if selected else ""}>'
                    f"{_escape(sublabel)}</option>"
                )
            if grouped:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)


class QuickSelect(_QuickSelectMixin, forms.Select):
    """forms.Select, rendered without a template per option."""


class QuickSelectMultiple(_QuickSelectMixin, forms.SelectMultiple):
    """forms.SelectMultiple, rendered without a template per option."""
