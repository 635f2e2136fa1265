"""The CSV's review columns say which verdicts were given on figures AutoProctor has changed
since: a spreadsheet of verdicts is where someone looks for the ones to give again."""

import csv
import io

import pytest
from django.urls import reverse

from proctoring.models import Attempt
from review import services
from tests.fixtures.data import make_attempts


@pytest.mark.django_db
def test_a_verdict_given_before_a_rescore_is_exported_as_changed_since(test_admin_client, proctor):
    rescored, unchanged, unreviewed = make_attempts(3, trust_score=0.5)
    for attempt in (rescored, unchanged):
        services.set_verdict(user=proctor, attempt=attempt, verdict="cleared", reason="fine")
    Attempt.objects.filter(pk=rescored.pk).update(trust_score=0.2)

    body = b"".join(test_admin_client.get(reverse("attempt-export")).streaming_content)

    header, *rows = csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    review = {row[0]: dict(zip(header, row, strict=True))["changed_since_review"] for row in rows}
    assert review == {
        rescored.test_attempt_id: "yes",
        unchanged.test_attempt_id: "no",
        unreviewed.test_attempt_id: "no",
    }
