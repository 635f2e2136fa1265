"""Template filters that turn stored values into what the pages show."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django import template
from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dashboard import labels

register = template.Library()


@register.filter
def code_spans(text: str) -> SafeString:
    """`text` escaped, with each `name` in backticks (as the drift messages write field
    names, also for the log) shown as code instead of with literal backticks."""
    parts = escape(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: leave the text as it is
        return mark_safe("`".join(parts))  # noqa: S308 (escaped above)
    return mark_safe(  # noqa: S308 (every part escaped above)
        "".join(f"<code>{part}</code>" if index % 2 else part for index, part in enumerate(parts))
    )


# Trust scores under this are shown red; between it and the review threshold, amber.
RED_BELOW = 0.60


@register.filter
def label_words(label: str) -> str:
    return labels.label_words(label)


@register.filter
def label_colour(label: str) -> str:
    return labels.label_colour(label)


@register.filter
def percent(fraction: float | None, decimals: int | str = 1) -> str:
    """0.8472 → "84.7 %"; None → "—"."""
    if fraction is None:
        return "—"
    return f"{fraction * 100:.{int(decimals)}f} %"


@register.filter
def trust_band(fraction: float | None, threshold: float | None = None) -> str:
    """The colour band of a trust score: "red", "amber", "green", or "none" when unscored.
    `threshold` is the review threshold of the attempt's test (review.thresholds); the
    default one when not given."""
    if fraction is None:
        return "none"
    if fraction < RED_BELOW:
        return "red"
    if fraction < (settings.REVIEW_THRESHOLD if threshold is None else threshold):
        return "amber"
    return "green"


def _clock(delta):
    seconds = int(abs(delta) // timedelta(seconds=1))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    return f"-{text}" if delta < timedelta(0) else text


@register.filter
def clock(delta: timedelta | None) -> str:
    """A duration as m:ss or h:mm:ss; "—" when unknown."""
    return "—" if delta is None else _clock(delta)


@register.filter
def since(moment: datetime | None, start: datetime | None) -> str:
    """How long after `start` `moment` happened, e.g. "+12:34"; "—" when either is unknown."""
    if moment is None or start is None:
        return "—"
    delta = moment - start
    return _clock(delta) if delta < timedelta(0) else f"+{_clock(delta)}"


@register.filter
def pairs(chart: dict[str, Any]) -> Iterator[tuple[Any, Any]]:
    """A chart's labels and values side by side, for its table."""
    return zip(chart["labels"], chart["values"], strict=True)
