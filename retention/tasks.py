"""django-q2 task: the daily retention sweep (scheduled by proctoring.schedules)."""

from __future__ import annotations

from retention.sweep import apply_retention


def apply_retention_task() -> dict:
    outcomes = apply_retention(started_by="schedule")
    return {outcome.kind: outcome.count for outcome in outcomes}
