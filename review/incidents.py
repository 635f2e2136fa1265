"""Bursts of one kind of event, shown and dismissed as one incident.

Eight "no face" events in two minutes are one thing a reviewer judges once. Events of one label
whose times are at most `gap_seconds` apart (settings.INCIDENT_GAP_SECONDS) form an incident,
whatever other labels happen in between; an event with no time is an incident of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from review.selectors import RecordReview


@dataclass
class Incident:
    """Consecutive events of one label, in timeline order."""

    label: str
    items: list[RecordReview] = field(default_factory=list)

    @property
    def first(self) -> RecordReview:
        return self.items[0]

    @property
    def last(self) -> RecordReview:
        return self.items[-1]

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def evidence_count(self) -> int:
        return sum(1 for item in self.items if item.record.has_file)

    @property
    def is_violation(self) -> bool:
        return any(item.record.is_violation for item in self.items)

    @property
    def dismissed(self) -> bool:
        """True when every violation of the incident is dismissed."""
        violations = [item for item in self.items if item.record.is_violation]
        return bool(violations) and all(item.dismissal is not None for item in violations)

    @property
    def record_ids(self) -> list[int]:
        return [item.record.pk for item in self.items]


def _start(incident: Incident) -> tuple[bool, datetime | None, int]:
    moment = incident.first.record.occurred_at
    return (moment is None, moment, incident.first.record.pk)


def group_incidents(items: list[RecordReview], gap_seconds: int) -> list[Incident]:
    """The incidents of `items` (a report's records in timeline order), ordered by their first
    event. The order of the events inside each incident is kept."""
    gap = timedelta(seconds=gap_seconds)
    incidents: list[Incident] = []
    open_by_label: dict[str, Incident] = {}
    for item in items:
        moment = item.record.occurred_at
        current = open_by_label.get(item.record.label)
        previous = current.last.record.occurred_at if current else None
        if current is None or moment is None or previous is None or moment - previous > gap:
            current = Incident(label=item.record.label)
            incidents.append(current)
            open_by_label[item.record.label] = current
        current.items.append(item)
    return sorted(incidents, key=_start)
