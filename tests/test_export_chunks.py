"""The CSV export in several chunks (each written by a helper thread while the next is read):
every row once, in the list's order, with its own violation counts."""

import csv
import io

import pytest
from django.urls import reverse

from dashboard import export
from proctoring.models import Attempt
from review.selectors import with_review
from tests.fixtures.data import make_attempts, make_records

pytestmark = pytest.mark.django_db


def exported_rows(client, **params):
    response = client.get(reverse("attempt-export"), params)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body, newline="")))


def test_an_export_of_many_chunks_has_every_row_once_in_order(test_admin_client, monkeypatch):
    monkeypatch.setattr(export, "CHUNK_SIZE", 3)
    attempts = make_attempts(11, trust_score=lambda i: i / 20)
    for attempt in attempts[::2]:
        make_records(attempt, *["tab-switch"] * (attempt.pk % 3 + 1))
    make_records(attempts[1], "noise-detected")

    header, *rows = exported_rows(test_admin_client, o="-trust")

    by_trust = sorted(attempts, key=lambda attempt: -attempt.trust_score)
    assert [row[0] for row in rows] == [attempt.test_attempt_id for attempt in by_trust]
    tab_switches = header.index("violations:tab-switch")
    noise = header.index("violations:noise-detected")
    for attempt, row in zip(by_trust, rows, strict=True):
        expected_tabs = attempt.pk % 3 + 1 if attempt in attempts[::2] else 0
        assert int(row[tab_switches]) == expected_tabs
        assert int(row[noise]) == (1 if attempt == attempts[1] else 0)


def test_an_export_without_any_violation_has_no_label_columns(test_admin_client, monkeypatch):
    monkeypatch.setattr(export, "CHUNK_SIZE", 2)
    make_attempts(5)
    header, *rows = exported_rows(test_admin_client)
    assert not any(name.startswith("violations:") for name in header)
    assert len(rows) == 5
    assert all(len(row) == len(header) for row in rows)


def test_a_large_export_leaves_in_pieces_as_it_is_read_not_whole_at_the_end(monkeypatch):
    """What keeps the export's memory flat: each CHUNK_SIZE rows are sent on as one piece."""
    monkeypatch.setattr(export, "CHUNK_SIZE", 3)
    make_attempts(11)
    pieces = list(export.csv_lines(with_review(Attempt.objects.order_by("pk"))))
    assert [piece.count("\n") for piece in pieces] == [1, 3, 3, 3, 2]
