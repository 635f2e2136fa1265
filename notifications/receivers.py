"""The sync's signals (proctoring.signals) turned into events.

Each receiver decides whether the news is worth an event: a stage failing is announced once,
when it reaches NOTIFY_SYNC_FAILURES failures in a row, and its recovery only after that; drift
only when the alarms differ from the last api.drift event's; low credits once when they fall.
"""

from __future__ import annotations

from django.conf import settings
from django.dispatch import receiver

from notifications.credits import newly_low
from notifications.events import API_DRIFT, CREDITS_LOW, NEEDS_REVIEW, SYNC_FAILING, event_record
from notifications.models import NotificationEvent, WebhookDelivery
from proctoring import signals
from proctoring.models import UsageSnapshot
from proctoring.redaction import mentioning, rewrite


@receiver(signals.attempts_need_review)
def on_attempts_need_review(sender, *, run_id: int, test_attempt_ids: list[str], **kwargs):
    event_record(
        event=NEEDS_REVIEW,
        data={
            "run": run_id,
            "count": len(test_attempt_ids),
            "threshold": settings.REVIEW_THRESHOLD,
            "attempts": test_attempt_ids,
        },
    )


@receiver(signals.sync_stage_failed)
def on_sync_stage_failed(sender, *, kind: str, failures: int, error: str, **kwargs):
    if failures == settings.NOTIFY_SYNC_FAILURES:
        event_record(
            event=SYNC_FAILING,
            data={"stage": kind, "state": "failing", "failures": failures, "error": error},
        )


@receiver(signals.sync_stage_recovered)
def on_sync_stage_recovered(sender, *, kind: str, failures: int, **kwargs):
    if failures >= settings.NOTIFY_SYNC_FAILURES:
        event_record(
            event=SYNC_FAILING, data={"stage": kind, "state": "recovered", "failures": failures}
        )


@receiver(signals.drift_warning)
def on_drift_warning(sender, *, run_id: int, kind: str, warnings: list[dict], **kwargs):
    alarms = [
        {
            "field": warning.get("field"),
            "kind": warning.get("kind"),
            "message": warning.get("message"),
        }
        for warning in warnings
    ]
    last = NotificationEvent.objects.filter(event=API_DRIFT).order_by("-created_at").first()
    if last is not None and _alarm_keys(last.data.get("warnings", [])) == _alarm_keys(alarms):
        return
    event_record(event=API_DRIFT, data={"run": run_id, "stage": kind, "warnings": alarms})


def _alarm_keys(alarms: list[dict]) -> set[tuple]:
    return {(alarm.get("field"), alarm.get("kind")) for alarm in alarms}


@receiver(signals.usage_recorded)
def on_usage_recorded(sender, *, snapshot_id: int, **kwargs):
    snapshot = UsageSnapshot.objects.get(pk=snapshot_id)
    reasons = newly_low(snapshot)
    if reasons:
        event_record(
            event=CREDITS_LOW,
            data={"credits_remaining": snapshot.credits_remaining, "reasons": reasons},
        )


@receiver(signals.candidates_erased)
def on_candidates_erased(sender, *, needles: list[str], **kwargs):
    """Erased people's emails and names leave the events (their data goes into emails and
    webhook bodies) and the deliveries (a receiver's answer may have echoed them)."""
    for model, fields in (
        (NotificationEvent, ["data"]),
        (WebhookDelivery, ["url", "last_error"]),
    ):
        rewrite(mentioning(model.objects.all(), fields, needles), fields, needles)
