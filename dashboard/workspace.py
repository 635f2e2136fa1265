"""What the report's workspace shows beside the review: the selected event, the attempt strip,
the incidents and the labels' legend.

The selected event comes from the URL (`?event=<record id>`), so every step the keyboard takes
in static/js/workspace.js is also a plain link that works without JavaScript.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from dashboard.labels import label_colour, label_words
from proctoring.models import Attempt
from review.incidents import Incident, group_incidents
from review.selectors import AttemptReview, RecordReview


@dataclass(frozen=True)
class StripMark:
    """One event on the attempt strip: where (percent of the attempt) and in which colour."""

    item: RecordReview
    at_percent: float
    colour: str


@dataclass(frozen=True)
class LabelSummary:
    """A label of the attempt for the legend, with its count and its "dismiss every" form."""

    label: str
    words: str
    colour: str
    count: int
    violations: int
    undismissed: int


@dataclass(frozen=True)
class Panel:
    """The viewer of one event, with the events before and after it for the step links."""

    item: RecordReview
    number: int  # 1-based, as "event 3 of 45"
    previous: RecordReview | None
    following: RecordReview | None
    selected: bool


@dataclass
class Workspace:
    panels: list[Panel]
    selected: RecordReview | None
    open_incidents: list[Incident]  # the incident holding the selected event, shown expanded
    incidents: list[Incident]
    marks: list[StripMark]
    labels: list[LabelSummary]


def _selected_index(events: list[RecordReview], wanted: str | None) -> int | None:
    if not events:
        return None
    for index, item in enumerate(events):
        if str(item.record.pk) == wanted:
            return index
    return 0


def _span(attempt: Attempt, events: list[RecordReview]) -> tuple[datetime | None, datetime | None]:
    """The strip's start and end: the attempt's, stretched to every event it holds."""
    moments = [item.record.occurred_at for item in events if item.record.occurred_at]
    starts = [moment for moment in (attempt.started_at, *moments) if moment]
    ends = [moment for moment in (attempt.submitted_at, *moments) if moment]
    return min(starts, default=None), max(ends, default=None)


def _marks(attempt: Attempt, events: list[RecordReview]) -> list[StripMark]:
    start, end = _span(attempt, events)
    if start is None or end is None:
        return []
    length = (end - start).total_seconds() or 1.0
    return [
        StripMark(
            item=item,
            at_percent=round(100 * (item.record.occurred_at - start).total_seconds() / length, 2),
            colour=label_colour(item.record.label),
        )
        for item in events
        if item.record.occurred_at is not None
    ]


def _labels(events: list[RecordReview]) -> list[LabelSummary]:
    counts = Counter(item.record.label for item in events)
    violations = Counter(item.record.label for item in events if item.record.is_violation)
    undismissed = Counter(
        item.record.label for item in events if item.record.is_violation and item.dismissal is None
    )
    return [
        LabelSummary(
            label=label,
            words=label_words(label),
            colour=label_colour(label),
            count=count,
            violations=violations[label],
            undismissed=undismissed[label],
        )
        for label, count in counts.most_common()
    ]


def attempt_workspace(
    attempt: Attempt, review: AttemptReview, *, selected: str | None = None
) -> Workspace:
    """The workspace of `attempt`'s report, with the event `selected` (a record id as sent in
    the URL; the first event when it is missing or not one of this attempt's)."""
    incidents = group_incidents(review.records, settings.INCIDENT_GAP_SECONDS)
    # Stepping goes through the events as the timeline lists them: incident after incident.
    events = [item for incident in incidents for item in incident.items]
    index = _selected_index(events, selected)
    chosen = None if index is None else events[index]
    panels = [
        Panel(
            item=item,
            number=position + 1,
            previous=events[position - 1] if position else None,
            following=events[position + 1] if position + 1 < len(events) else None,
            selected=position == index,
        )
        for position, item in enumerate(events)
    ]
    return Workspace(
        panels=panels,
        selected=chosen,
        open_incidents=[
            incident for incident in incidents if any(item is chosen for item in incident.items)
        ],
        incidents=incidents,
        marks=_marks(attempt, events),
        labels=_labels(events),
    )
