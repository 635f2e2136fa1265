"""What the report's workspace shows beside the review: the selected event, the attempt strip,
the incidents and the labels' legend.

The selected event comes from the URL (`?event=<record id>`), so every step the keyboard takes
in static/js/workspace.js is also a plain link that works without JavaScript.

Stepping is evidence first: a reviewer's question is "does the evidence show a violation?", so
the report opens on the first violation that has evidence kept, and the main steps go from one
such violation to the next. Every other event (informational photos, events whose file
AutoProctor did not keep) is one step away on the "every event" steps, and marked on the strip
as skipped. The test-taker photo, the reference for "is this the same person?", is kept beside.
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
    skipped: bool  # not on the evidence-first steps


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
    stepped: bool  # a violation with evidence: on the evidence-first steps
    previous_evidence: RecordReview | None  # the evidence-first steps from here
    following_evidence: RecordReview | None


@dataclass
class Workspace:
    panels: list[Panel]
    selected: RecordReview | None
    open_incidents: list[Incident]  # the incident holding the selected event, shown expanded
    incidents: list[Incident]
    marks: list[StripMark]
    labels: list[LabelSummary]
    photo: RecordReview | None  # the test-taker photo, when the attempt has one with its file
    stepped_count: int  # the events the evidence-first steps go through


def has_violation_evidence(item: RecordReview) -> bool:
    """On the evidence-first steps: a violation whose evidence file AutoProctor kept."""
    return item.record.is_violation and item.record.has_file


REFERENCE_PHOTO = "test-taker-photo"


def _selected_index(events: list[RecordReview], wanted: str | None) -> int | None:
    """The event the URL names; else the first violation with evidence; else the first."""
    if not events:
        return None
    for index, item in enumerate(events):
        if str(item.record.pk) == wanted:
            return index
    for index, item in enumerate(events):
        if has_violation_evidence(item):
            return index
    return 0


def _nearest(events: list[RecordReview], start: int, step: int) -> RecordReview | None:
    """The first violation with evidence from `start` (excluded) going `step` (+1 or -1)."""
    index = start + step
    while 0 <= index < len(events):
        if has_violation_evidence(events[index]):
            return events[index]
        index += step
    return None


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
            skipped=not has_violation_evidence(item),
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
            stepped=has_violation_evidence(item),
            previous_evidence=_nearest(events, position, -1),
            following_evidence=_nearest(events, position, +1),
        )
        for position, item in enumerate(events)
    ]
    photo = next(
        (item for item in events if item.record.label == REFERENCE_PHOTO and item.record.has_file),
        None,
    )
    return Workspace(
        panels=panels,
        selected=chosen,
        open_incidents=[
            incident for incident in incidents if any(item is chosen for item in incident.items)
        ],
        incidents=incidents,
        marks=_marks(attempt, events),
        labels=_labels(events),
        photo=photo,
        stepped_count=sum(1 for item in events if has_violation_evidence(item)),
    )
