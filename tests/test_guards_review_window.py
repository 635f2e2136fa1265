"""Dismissing one label for a time window across a test (`review.services.dismiss_window`, the
test page's "dismiss this spike"): exactly the test's violations of that label in [start, end),
each event once, events already dismissed keeping their first dismissal, and one audit entry
per event that names the window."""

from datetime import UTC, datetime, timedelta

import pytest

from audit.models import AuditEvent
from review import services
from review.models import EvidenceDismissal
from tests.fixtures.data import make_attempt, make_records

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
END = START + timedelta(minutes=1)
WINDOW = "2026-11-20T10:00:00+00:00 to 2026-11-20T10:01:00+00:00"


def at(seconds, **fields):
    return {"occurred_at": START + timedelta(seconds=seconds), **fields}


def dismiss(user, reason="fire alarm", *, label="tab-switch", start=START, end=END):
    return services.dismiss_window(
        user=user, lookup_key="exam", label=label, start=start, end=end, reason=reason
    )


def identities(dismissals):
    return sorted(
        (each.attempt_id, each.device, each.label, each.occurred_at) for each in dismissals
    )


def test_a_window_takes_the_labels_violations_of_the_test_from_its_start_up_to_its_end(proctor):
    ann, bob = make_attempt(lookup_key="exam"), make_attempt(lookup_key="exam")
    other_test = make_attempt(lookup_key="other")
    inside = [
        *make_records(ann, "tab-switch", **at(0)),
        *make_records(ann, "tab-switch", **at(59.999999)),
        *make_records(bob, "tab-switch", **at(30, device="aux")),
    ]
    make_records(ann, "tab-switch", **at(60))  # the end is not in the window
    make_records(ann, "tab-switch", **at(-0.000001))
    make_records(ann, "noise-detected", **at(10))
    make_records(bob, "tab-switch", is_violation=False, **at(20))
    make_records(other_test, "tab-switch", **at(10))

    made = dismiss(proctor)

    assert identities(made) == identities(inside)
    assert identities(EvidenceDismissal.objects.all()) == identities(inside)
    for dismissal in EvidenceDismissal.objects.all():
        assert (dismissal.reason, dismissal.dismissed_by, dismissal.dismissed_by_name) == (
            "fire alarm",
            proctor,
            "alice",
        )


def test_events_already_dismissed_keep_their_first_dismissal_and_an_event_is_dismissed_once(
    proctor, test_admin
):
    ann, bob = make_attempt(lookup_key="exam"), make_attempt(lookup_key="exam")
    first = make_records(ann, "tab-switch", **at(1))[0]
    services.dismiss_record(user=test_admin, record=first, reason="calculator allowed")
    # The same event listed twice (same device, label and time): one dismissal.
    twice = make_records(ann, "tab-switch", "tab-switch", **at(2))
    later = make_records(bob, "tab-switch", **at(3))

    made = dismiss(proctor)

    assert identities(made) == identities([twice[0], *later])
    kept = EvidenceDismissal.objects.get(occurred_at=first.occurred_at)
    assert (kept.reason, kept.dismissed_by) == ("calculator allowed", test_admin)
    assert EvidenceDismissal.objects.count() == 3
    assert dismiss(proctor, reason="again") == []
    assert EvidenceDismissal.objects.count() == 3


def test_each_event_dismissed_has_an_audit_entry_naming_the_window(proctor):
    ann, bob = make_attempt(lookup_key="exam"), make_attempt(lookup_key="exam")
    records = [*make_records(ann, "tab-switch", **at(5)), *make_records(bob, "tab-switch", **at(6))]

    dismiss(proctor)

    events = AuditEvent.objects.filter(action="evidence.dismiss_window").order_by("attempt_id")
    assert [(event.attempt_id, event.user_id) for event in events] == [
        (ann.pk, proctor.pk),
        (bob.pk, proctor.pk),
    ]
    for event, record in zip(events, records, strict=True):
        assert event.summary == f"Dismissed tab-switch across exam ({WINDOW}): fire alarm"
        assert event.detail == {
            "record": record.pk,
            "device": "primary",
            "position": record.position,
            "label": "tab-switch",
            "occurred_at": record.occurred_at.isoformat(),
            "reason": "fire alarm",
            "window": WINDOW,
        }


def test_no_reason_or_a_window_that_does_not_move_forward_dismisses_nothing(proctor):
    make_records(make_attempt(lookup_key="exam"), "tab-switch", **at(0))
    with pytest.raises(services.ReviewRefused) as no_reason:
        dismiss(proctor, reason="  ")
    assert str(no_reason.value) == (
        "Nothing was dismissed: give a reason (what happened in the room)."
    )
    for end in (START, START - timedelta(seconds=1)):
        with pytest.raises(services.ReviewRefused) as backwards:
            dismiss(proctor, end=end)
        assert str(backwards.value) == "Nothing was dismissed: the window ends before it starts."
    assert not EvidenceDismissal.objects.exists()
    assert not AuditEvent.objects.exists()
