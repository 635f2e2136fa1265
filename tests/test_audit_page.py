"""The audit page: test admins read who did what (evidence opened, verdicts, notes, bulk
verdicts, exports), filtered by user, action or attempt, a page at a time; nobody edits it."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import audit_record
from review import services
from tests.fixtures.data import make_attempt, make_records

pytestmark = pytest.mark.django_db

AUDIT = reverse("audit-log")


def shown(client, **params):
    response = client.get(AUDIT, params)
    assert response.status_code == 200
    return response


def test_only_test_admins_see_the_audit_page(proctor_client, test_admin_client, outsider_client):
    assert proctor_client.get(AUDIT).status_code == 403
    assert outsider_client.get(AUDIT).status_code == 403
    assert test_admin_client.get(AUDIT).status_code == 200
    assert 'href="/audit/"' in test_admin_client.get(reverse("overview")).content.decode()
    assert 'href="/audit/"' not in proctor_client.get(reverse("overview")).content.decode()


def test_the_page_lists_events_newest_first_and_filters_by_user_action_and_attempt(
    test_admin_client, proctor, test_admin
):
    first, second = make_attempt(test_attempt_id="A-1"), make_attempt(test_attempt_id="B-2")
    services.set_verdict(user=proctor, attempt=first, verdict="suspicious", reason="odd")
    services.add_note(user=test_admin, attempt=second, text="called the candidate")
    services.set_verdict(user=test_admin, attempt=second, verdict="cleared", reason="fine")

    events = shown(test_admin_client).context["events"]
    assert [(e.username, e.action) for e in events] == [
        ("bob", "verdict.set"),
        ("bob", "note.add"),
        ("alice", "verdict.set"),
    ]
    by_user = shown(test_admin_client, user="ALICE").context["events"]
    assert [e.attempt_id for e in by_user] == [first.pk]
    by_action = shown(test_admin_client, action="note.add").context["events"]
    assert [e.summary for e in by_action] == ["Note: called the candidate"]
    by_attempt = shown(test_admin_client, attempt="B-2").context["events"]
    assert {e.attempt_id for e in by_attempt} == {second.pk}
    by_row = shown(test_admin_client, attempt=str(first.pk)).context["events"]
    assert [e.action for e in by_row] == ["verdict.set"]
    page = shown(test_admin_client, attempt="B-2").content.decode()
    assert f'href="/attempts/{second.pk}/">B-2</a>' in page


def test_the_trail_is_paged_fifty_at_a_time_without_gaps_or_repeats(test_admin_client, proctor):
    for number in range(120):
        audit_record(user=proctor, action="evidence.view", summary=f"event {number}")
    seen = []
    response = shown(test_admin_client)
    while True:
        seen.extend(e.summary for e in response.context["events"])
        older = response.context["older"]
        if older is None:
            break
        response = shown(test_admin_client, before=older)
    assert seen == [f"event {number}" for number in reversed(range(120))]
    newer = shown(test_admin_client, after=response.context["events"][0].id)
    assert newer.context["events"][0].summary == "event 69"


def test_the_page_is_read_only(test_admin_client):
    audit_record(user=None, action="export.csv")
    assert test_admin_client.post(AUDIT).status_code == 405
    main = shown(test_admin_client).content.decode().split("<main", 1)[1]
    assert 'method="post"' not in main
    assert AuditEvent.objects.count() == 1


def test_opening_evidence_is_audited_with_the_record(proctor_client, proctor):
    attempt = make_attempt()
    (record,) = make_records(attempt, "tab-switch", s3_path=None)  # no file: answered 404
    proctor_client.get(reverse("evidence-file", args=[attempt.pk, record.pk]))
    event = AuditEvent.objects.get(action="evidence.view")
    assert (event.user, event.attempt) == (proctor, attempt)
    assert event.detail["record"] == record.pk and event.detail["label"] == "tab-switch"


def test_a_refused_evidence_request_is_not_recorded_as_a_view(outsider_client):
    attempt = make_attempt()
    (record,) = make_records(attempt, "tab-switch")
    assert (
        outsider_client.get(reverse("evidence-file", args=[attempt.pk, record.pk])).status_code
        == 403
    )
    assert not AuditEvent.objects.exists()


def test_a_csv_export_is_audited_with_its_filter(test_admin_client, test_admin):
    make_attempt(lookup_key="maths")
    response = test_admin_client.get(reverse("attempt-export"), {"lookup_key": "maths"})
    b"".join(response.streaming_content)
    event = AuditEvent.objects.get(action="export.csv")
    assert event.user == test_admin
    assert event.detail == {"query": {"lookup_key": ["maths"]}}
