"""The export's count columns: one per violation label among the exported attempts. For every
attempt (no filter, no scope) the labels are read label by label from the violations' index,
without joining each violation to its attempt; any filter or scope keeps the join."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard import selectors
from dashboard.export import violation_labels
from proctoring.models import Attempt
from tests.fixtures.data import make_attempt, make_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_tests():
    first = make_attempt(test_attempt_id="one", lookup_key="test-a")
    second = make_attempt(test_attempt_id="two", lookup_key="test-b")
    make_records(first, "tab-switch", "noise-detected", "tab-switch")
    make_records(second, "went-offline")
    make_records(second, "camera-ok", is_violation=False)
    return first, second


def test_every_attempts_labels_are_all_violation_labels_read_without_the_attempts(
    admin_user, two_tests
):
    attempts = selectors.attempt_list(admin_user)
    with CaptureQueriesContext(connection) as captured:
        labels = violation_labels(attempts)
    assert labels == ["noise-detected", "tab-switch", "went-offline"]
    assert captured.captured_queries
    assert not any("proctoring_attempt" in query["sql"] for query in captured.captured_queries)


def test_a_filtered_export_has_only_its_own_attempts_labels(admin_user, two_tests):
    attempts = selectors.attempt_list(admin_user).filter(lookup_key="test-b")
    assert violation_labels(attempts) == ["went-offline"]
    assert violation_labels(Attempt.objects.none()) == []


def test_no_violation_at_all_gives_no_label_column(admin_user):
    make_records(make_attempt(), "camera-ok", is_violation=False)
    assert violation_labels(selectors.attempt_list(admin_user)) == []


def test_the_exported_header_names_every_label_in_order(test_admin_client, two_tests):
    response = test_admin_client.get(reverse("attempt-export"))
    body = b"".join(
        part if isinstance(part, bytes) else part.encode() for part in response.streaming_content
    ).decode("utf-8-sig")
    header = body.splitlines()[0].split(",")
    assert [name for name in header if name.startswith("violations:")] == [
        "violations:noise-detected",
        "violations:tab-switch",
        "violations:went-offline",
    ]
    filtered = test_admin_client.get(reverse("attempt-export") + "?q=two")
    first_line = next(iter(filtered.streaming_content))
    first_line = first_line if isinstance(first_line, str) else first_line.decode()
    assert "violations:tab-switch" not in first_line.splitlines()[0]
