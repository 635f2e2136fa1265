"""Evidence files: who may open them, and what may be passed on. Over real HTTP from the
simulator, synced as the worker does.

- A role that may browse attempts but not evidence (a group given view_attempt alone) gets a
  403 for a file, and nothing is asked of AutoProctor or written to the audit trail as opened.
- A file storage sends as SVG is refused: an SVG can carry scripts that the browser would run
  as a page of the dashboard's own origin.
"""

import html

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from access.permissions import evidence_record_for
from audit.models import AuditEvent
from autoproctor.testing.bucket import PREFIX
from tests.fixtures.personas import logged_in, make_user
from tests.support_guards import synced_attempt_with_an_image

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"/>'


@pytest.fixture
def browser_only():
    """A user whose group may view attempts, not evidence records."""
    group = Group.objects.create(name="Attempt browsers")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="proctoring", codename="view_attempt")
    )
    user = make_user("dana")
    user.groups.add(group)
    return user


def file_url(record):
    return reverse("evidence-file", args=[record.attempt_id, record.pk])


def test_a_role_without_the_evidence_permission_cannot_open_a_file(simulator, browser_only):
    attempt, record = synced_attempt_with_an_image(simulator)
    client = logged_in(browser_only)
    assert client.get(reverse("attempt-report", args=[attempt.pk])).status_code == 200
    simulator.clear_requests()

    assert client.get(file_url(record)).status_code == 403

    assert list(simulator.requests) == []
    assert not AuditEvent.objects.filter(action="evidence.view").exists()


def test_the_evidence_helper_refuses_a_role_without_the_evidence_permission(
    simulator, browser_only, proctor
):
    """The one helper views use to reach a record decides on its own, whatever the view
    checked before calling it."""
    attempt, record = synced_attempt_with_an_image(simulator)
    with pytest.raises(PermissionDenied):
        evidence_record_for(browser_only, attempt.pk, record.pk)
    assert evidence_record_for(proctor, attempt.pk, record.pk) == record


@pytest.mark.parametrize(
    "content_type", ["image/svg+xml", "image/svg+xml; charset=utf-8", "Image/SVG+XML"]
)
def test_a_file_sent_as_svg_is_not_passed_on(simulator, proctor_client, content_type):
    attempt, record = synced_attempt_with_an_image(simulator)
    simulator.inject(
        "malformed", path_contains=PREFIX, times=-1, body=SVG, content_type=content_type
    )

    response = proctor_client.get(file_url(record))

    assert response.status_code == 502
    assert response["Content-Type"].startswith("text/html")
    page = html.unescape(response.content.decode())
    assert "sent this evidence file as image/svg+xml" in page
    assert "onload" not in page


def test_a_png_from_the_same_storage_is_passed_on(simulator, proctor_client):
    attempt, record = synced_attempt_with_an_image(simulator)
    response = proctor_client.get(file_url(record))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
