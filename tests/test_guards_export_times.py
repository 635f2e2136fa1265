"""The CSV's times are UTC with a Z whatever the server's own time zone: a spreadsheet merges
exports from several servers, and a review time in a server's local zone would be read as UTC."""

import csv
import io
import os
import time

import pytest
from django.urls import reverse

from access.roles import PROCTOR
from tests.fixtures.data import make_attempt
from tests.fixtures.personas import logged_in, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def server_in_new_york(monkeypatch):
    """The process's local time zone (what a bare astimezone() converts to), as on a server
    set up in New York; restored afterwards."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
    assert os.environ.get("TZ") != "America/New_York"


def test_a_review_time_is_exported_in_utc_on_a_server_in_another_zone(
    test_admin_client, server_in_new_york
):
    attempt = make_attempt(trust_score=0.5)
    reviewer = logged_in(make_user("reviewer", PROCTOR))
    reviewer.post(
        reverse("attempt-verdict", args=[attempt.pk]),
        {
            "verdict": "cleared",
            "reason": "fine",
            "preset": "",
            "seen_trust_score": "0.5",
            "seen_violation_count": "0",
        },
    )
    body = b"".join(test_admin_client.get(reverse("attempt-export")).streaming_content)
    header, row = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    reviewed_at = dict(zip(header, row, strict=True))["reviewed_at"]
    assert reviewed_at.endswith("Z") and "-05:00" not in reviewed_at and "-04:00" not in reviewed_at
