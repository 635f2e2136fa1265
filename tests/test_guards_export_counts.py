"""The CSV's per-label columns count violations only: AutoProctor also reports informational
events under a violation's label (a tab switch it does not count, code 5006), and counting
those would accuse a candidate of more than AutoProctor did."""

import csv
import io

import pytest
from django.urls import reverse

from tests.fixtures.data import make_attempt, make_records

pytestmark = pytest.mark.django_db


def test_a_per_label_column_counts_the_violations_of_that_label_alone(test_admin_client):
    attempt = make_attempt()
    make_records(attempt, "tab-switch", "tab-switch", "noise-detected")
    make_records(attempt, "tab-switch", "tab-switch", "tab-switch", is_violation=False)

    response = test_admin_client.get(reverse("attempt-export"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(body)))
    row = dict(zip(header, row, strict=True))

    assert row["violations:tab-switch"] == "2"
    assert row["violations:noise-detected"] == "1"
    assert row["violation_count"] == "3"
