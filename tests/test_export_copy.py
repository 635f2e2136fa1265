"""The CSV export's COPY path on PostgreSQL gives the very bytes of the Python path, whatever
the cells hold: quotes, commas, line breaks, backslashes, formulas, any trust score."""

import random
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.urls import reverse

from candidates.models import CandidateResponse
from dashboard import selectors
from dashboard.export import csv_lines
from dashboard.export_copy import csv_bytes, without_jit
from proctoring.models import Attempt
from review.services import set_verdict
from tests.fixtures.data import make_attempt, make_records
from tests.fixtures.personas import unscoped_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="COPY TO STDOUT is PostgreSQL's; SQLite keeps the Python path",
    ),
]

AWKWARD_TEXT = [
    "plain",
    "",
    'with "quotes"',
    "with, comma",
    "line\nbreak",
    "carriage\rreturn",
    "tab\there",
    "back\\slash \\n not a newline",
    "=SUM(A1:A2)",
    "+1",
    "-1",
    "@cmd",
    "\tleading tab",
    "\rleading return",
    "Zoë Ñúñez 北京",
    "Ann\u202eexe.txt",
    "=\u2066right\u2069",
]


def both_paths(attempts):
    python = "".join(csv_lines(attempts)).encode("utf-8")
    copied = b"".join(
        part.encode("utf-8") if isinstance(part, str) else part for part in csv_bytes(attempts)
    )
    return python, copied


def test_both_paths_give_the_same_bytes_for_awkward_cells_and_every_trust_score(admin_user):
    # A few hundred rows: enough ties to tell the roundings apart, few enough that the pages
    # they leave behind do not change the plans later tests check.
    rng = random.Random(15)
    scores = [None, 0.0, 1.0, 0.12345, 0.125, 0.00125, 0.99995, 0.5, 0.1, 0.123449999999]
    scores += [rng.random() for _ in range(60)]
    scores += [round(rng.random(), 4) for _ in range(60)]
    # Half a hundredth of a percent: the shortest decimal of score * 100 is often a tie.
    scores += [rng.randrange(5, 100000, 10) / 100000 for _ in range(120)]
    for index, score in enumerate(scores):
        text = AWKWARD_TEXT[index % len(AWKWARD_TEXT)]
        attempt = make_attempt(
            test_attempt_id=f"{text[:20]}-{index}",
            candidate_name=text,
            candidate_email=f"{index}@example.org",
            lookup_key=text,
            trust_score=score,
            evidence_status=text if index % 7 == 0 else "processed",
            started_at=datetime(2026, 11, 1, 8, 0, index % 60, (index % 3) * 1234, tzinfo=UTC),
            submitted_at=None if index % 5 == 0 else datetime(2026, 11, 1, 9, tzinfo=UTC),
        )
        if index % 4 == 0:
            make_records(attempt, "tab-switch", "noise-detected", "tab-switch")
        if index % 9 == 0:
            set_verdict(user=admin_user, attempt=attempt, verdict="suspicious", reason=text or "x")
        if index % 6 == 0:  # the candidate's own words: the last column
            CandidateResponse.objects.create(attempt=attempt, text=text)
    attempts = selectors.attempt_list(unscoped_user()).order_by("pk")

    python, copied = both_paths(attempts)

    assert python.count(b"\r\n") >= len(scores)
    assert copied == python


def test_both_paths_agree_without_any_violation_labels():
    make_attempt(test_attempt_id="a", candidate_name='"x"', trust_score=0.5)
    python, copied = both_paths(selectors.attempt_list(unscoped_user()))
    assert copied == python


def test_the_export_page_streams_the_copy_path_on_postgresql(test_admin_client):
    make_attempt(test_attempt_id="a,b", candidate_name="=1+1", trust_score=0.98765)
    response = test_admin_client.get(reverse("attempt-export"))
    body = b"".join(
        part if isinstance(part, bytes) else part.encode() for part in response.streaming_content
    )
    python, _ = both_paths(selectors.attempt_list(unscoped_user()))
    assert body == python
    assert Attempt.objects.count() == 1


def copy_path(attempts, **options):
    return b"".join(
        part.encode("utf-8") if isinstance(part, str) else part
        for part in csv_bytes(attempts, **options)
    )


def test_an_empty_text_is_an_empty_cell_as_csv_writer_writes_it_not_a_quoted_one(admin_user):
    # COPY's CSV quotes an empty string ("") to tell it from NULL; csv.writer writes nothing.
    attempt = make_attempt(
        test_attempt_id="empty-cells",
        candidate_name="",
        candidate_email="",
        lookup_key="",
        evidence_status="",
        trust_score=None,
        submitted_at=None,
    )
    make_records(attempt, "tab-switch")
    make_attempt(test_attempt_id="no-review", candidate_name="")
    set_verdict(user=admin_user, attempt=attempt, verdict="suspicious", reason="x")
    attempts = selectors.attempt_list(unscoped_user()).order_by("pk")

    python, copied = both_paths(attempts)

    assert b'""' not in python
    assert b"empty-cells,,,," in python
    assert copied == python


QUOTING_EDGES = [
    "\\.",  # COPY's end-of-data marker: quoted by COPY only when it is a line's only cell
    " leading space",
    "trailing space ",
    " ",
    '"',
    '""',
    ",",
    '"quoted", then, "more"',
    "\r\n",
    "two\r\nlines",
    "\n\n",
    "ends with a newline\n",
    '"\n"',
    "back\\slash\\",
    "NULL",
    "\\N",
]


def test_cells_that_quote_or_break_lines_are_written_as_csv_writer_writes_them(admin_user):
    labels = ['label, with "quotes"', "label\nwith a newline", "plain"]
    for index, text in enumerate(QUOTING_EDGES):
        attempt = make_attempt(
            test_attempt_id=f"{text}{index}",
            candidate_name=text,
            candidate_email=text,
            lookup_key=text,
            evidence_status=text,
        )
        make_records(attempt, *labels[: index % 4])
        if index % 3 == 0:
            set_verdict(user=admin_user, attempt=attempt, verdict="suspicious", reason=text)
        if index % 2 == 0:
            CandidateResponse.objects.create(attempt=attempt, text=text)
    attempts = selectors.attempt_list(unscoped_user()).order_by("pk")

    python, copied = both_paths(attempts)

    assert b'"two\r\nlines"' in python and b'"ends with a newline\n"' in python
    assert copied == python


def test_the_file_is_the_same_whatever_the_pieces_it_leaves_in(admin_user):
    # Pieces of a few bytes end inside quoted cells (after an opening quote, between doubled
    # quotes, inside a line break): line ends must still be told from breaks inside cells.
    for index, text in enumerate(['a "quoted"\nname', "line\nbreak", 'x""y', "plain", "\r\n,"]):
        attempt = make_attempt(test_attempt_id=f"piece-{index}", candidate_name=text)
        make_records(attempt, "tab-switch")
    attempts = selectors.attempt_list(unscoped_user()).order_by("pk")
    python = "".join(csv_lines(attempts)).encode("utf-8")

    for size in (1, 2, 3, 5, 7, 64, 1000):
        assert copy_path(attempts, chunk_bytes=size) == python, size
    # The rows leave in pieces of the size asked for (7 bytes of COPY's, a CR added to each
    # line end), not one per row: five rows of over 100 bytes make more than 50 pieces.
    _header, *pieces = csv_bytes(attempts, chunk_bytes=7)
    assert len(pieces) > 50
    assert all(7 <= len(piece) <= 14 for piece in pieces[:-1])


def jit_setting():
    """ "on" when inlining and optimising follow the server's thresholds, "off" when not."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit_inline_above_cost")
        inline = cursor.fetchone()[0]
        cursor.execute("SHOW jit_optimize_above_cost")
        optimise = cursor.fetchone()[0]
    return "off" if (inline, optimise) == ("-1", "-1") else "on"


def test_the_copy_is_not_inlined_or_optimised_by_jit_and_the_connection_keeps_its_own(admin_user):
    for number in range(3):
        make_attempt(test_attempt_id=f"jit-{number}")
    with connection.cursor() as cursor:
        cursor.execute("SET jit_inline_above_cost = 500000")
        cursor.execute("SET jit_optimize_above_cost = 500000")
    with without_jit():
        assert jit_setting() == "off"
    assert jit_setting() == "on"
    # A stream closed midway, inside its COPY (a client that went away), and one read to the
    # end both leave the connection's setting as it was.
    stream = csv_bytes(selectors.attempt_list(admin_user), chunk_bytes=1)
    next(stream), next(stream)
    stream.close()
    assert jit_setting() == "on"
    assert copy_path(selectors.attempt_list(admin_user)).count(b"jit-") == 3
    assert jit_setting() == "on"


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_copy_commits_or_rolls_back_its_own_and_the_connection_goes_on(
    admin_user,
):
    """As the server runs it (autocommit): the COPY's transaction is its own, whether the stream
    is read to the end or closed midway, and the connection is usable and as it was after."""
    for number in range(3):
        make_attempt(test_attempt_id=f"auto-{number}")
    with connection.cursor() as cursor:
        cursor.execute("SET jit_inline_above_cost = 500000")
        cursor.execute("SET jit_optimize_above_cost = 500000")
    stream = csv_bytes(selectors.attempt_list(admin_user), chunk_bytes=1)
    next(stream), next(stream)
    stream.close()
    assert connection.get_autocommit() and not connection.in_atomic_block
    assert jit_setting() == "on"
    assert copy_path(selectors.attempt_list(admin_user)).count(b"auto-") == 3
    assert jit_setting() == "on"
    assert Attempt.objects.count() == 3
