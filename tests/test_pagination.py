"""Sorting and keyset pagination: every column, both directions, nulls last, no row lost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.pagination import capped_count, decode_cursor, encode_cursor, paginate
from dashboard.selectors import attempt_list
from dashboard.sorting import COLUMNS, DEFAULT_SORT, Sort
from tests.fixtures.data import make_attempts
from tests.fixtures.personas import unscoped_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied_attempts():
    """17 attempts with ties and gaps in every sortable column."""
    now = timezone.now().replace(microsecond=0)
    scores = [
        0.9,
        None,
        0.5,
        0.5,
        0.1,
        None,
        0.75,
        1.0,
        0.5,
        0.0,
        None,
        0.33,
        0.9,
        0.6,
        0.6,
        0.2,
        None,
    ]

    def started(i):
        return None if i == 4 else now - timedelta(hours=i % 5)

    def submitted(i):
        if i in (1, 5, 9):
            return None
        return None if started(i) is None else started(i) + timedelta(minutes=30 + (i % 3) * 7)

    return make_attempts(
        len(scores),
        trust_score=lambda i: scores[i],
        candidate_name=lambda i: ["Ann", "bob", "Cy", "Ann", "Éva"][i % 5],
        candidate_email=lambda i: f"{'zyx'[i % 3]}@example.org",
        lookup_key=lambda i: ["maths", "physics", ""][i % 3],
        started_at=started,
        submitted_at=submitted,
        violation_count=lambda i: i % 4,
        evidence_status=lambda i: ["processed", "processing"][i % 2],
    )


def expected_order(sort):
    """The order a plain ORDER BY gives: the reference the pages must agree with."""
    rows = sort.annotate(attempt_list(unscoped_user())).order_by(*sort.order_by())
    return [row.pk for row in rows]


def walk_forward(sort, size):
    seen, after = [], None
    for _ in range(100):
        page = paginate(attempt_list(unscoped_user()), sort, after=after, size=size)
        seen.extend(row.pk for row in page.rows)
        if not page.has_next:
            return seen
        after = page.next_cursor
    raise AssertionError("pagination did not end")


def walk_backward(sort, size):
    """From the last page back to the first through the Previous links."""
    after = None
    while True:
        page = paginate(attempt_list(unscoped_user()), sort, after=after, size=size)
        if not page.has_next:
            break
        after = page.next_cursor
    pages = [[row.pk for row in page.rows]]
    while page.has_previous:
        page = paginate(attempt_list(unscoped_user()), sort, before=page.previous_cursor, size=size)
        pages.insert(0, [row.pk for row in page.rows])
    return [pk for rows in pages for pk in rows]


@pytest.mark.parametrize("param", [key for name in COLUMNS for key in (name, f"-{name}")])
def test_a_list_of_a_few_tests_read_test_by_test_pages_in_the_same_order(varied_attempts, param):
    """Given the tests its rows belong to, the list reads each test's rows apart and merges
    them (dashboard.pagination._per_test): the same pages as one ordered read."""
    sort = Sort.from_param(param)
    tests = ["maths", "physics"]
    attempts = attempt_list(unscoped_user()).filter(lookup_key__in=tests)
    expected = [row.pk for row in sort.annotate(attempts).order_by(*sort.order_by())]
    seen, after = [], None
    while True:
        page = paginate(attempts, sort, after=after, size=3, tests=tests)
        seen.extend(row.pk for row in page.rows)
        if not page.has_next:
            break
        after = page.next_cursor
    assert seen == expected
    back = [row.pk for row in page.rows]
    while page.has_previous:
        page = paginate(attempts, sort, before=page.previous_cursor, size=3, tests=tests)
        back = [row.pk for row in page.rows] + back
    assert back == expected
    assert {row.lookup_key for row in page.rows} <= set(tests)


@pytest.mark.parametrize("param", [key for name in COLUMNS for key in (name, f"-{name}")])
def test_paging_forward_and_back_visits_every_row_once_in_sort_order(varied_attempts, param):
    sort = Sort.from_param(param)
    expected = expected_order(sort)
    assert len(expected) == len(varied_attempts)
    assert walk_forward(sort, size=4) == expected
    assert walk_backward(sort, size=4) == expected


def test_trust_ascending_is_riskiest_first_with_unscored_last_and_ids_breaking_ties(
    varied_attempts,
):
    rows = paginate(attempt_list(unscoped_user()), Sort.from_param("trust"), size=50).rows
    scores = [row.trust_score for row in rows]
    assert scores[:4] == [0.0, 0.1, 0.2, 0.33]
    assert scores[-4:] == [None] * 4
    halves = [row.pk for row in rows if row.trust_score == 0.5]
    assert halves == sorted(halves)


def test_trust_descending_still_puts_unscored_attempts_last(varied_attempts):
    rows = paginate(attempt_list(unscoped_user()), Sort.from_param("-trust"), size=50).rows
    assert [row.trust_score for row in rows][:2] == [1.0, 0.9]
    assert [row.trust_score for row in rows][-4:] == [None] * 4
    nines = [row.pk for row in rows if row.trust_score == 0.9]
    assert nines == sorted(nines, reverse=True)


def test_an_unknown_sort_falls_back_to_the_default():
    assert Sort.from_param("password").param == DEFAULT_SORT
    assert Sort.from_param(None).param == DEFAULT_SORT


def test_a_header_flips_the_current_sort_and_starts_others_in_their_natural_direction():
    sort = Sort.from_param("trust")
    assert sort.header_param(COLUMNS["trust"]) == "-trust"
    assert Sort.from_param("-trust").header_param(COLUMNS["trust"]) == "trust"
    assert sort.header_param(COLUMNS["submitted"]) == "-submitted"
    assert sort.header_param(COLUMNS["candidate"]) == "candidate"


@pytest.mark.parametrize(
    "token", ["", "garbage", "W10", "WyJ4IiwgMV0", "WzEsICIxIl0", "bnVsbA", "WyJ4Il0"]
)
def test_a_damaged_cursor_starts_from_the_first_page(varied_attempts, token):
    sort = Sort.from_param("-submitted")
    first = paginate(attempt_list(unscoped_user()), sort, size=5)
    assert decode_cursor(sort, token) is None
    assert paginate(attempt_list(unscoped_user()), sort, after=token, size=5).rows == first.rows


def test_a_cursor_round_trips_every_kind_of_value(varied_attempts):
    for param in COLUMNS:
        sort = Sort.from_param(param)
        row = sort.annotate(attempt_list(unscoped_user())).order_by(*sort.order_by()).first()
        value, pk = decode_cursor(sort, encode_cursor(sort, row))
        assert (value, pk) == (getattr(row, sort.column.field), row.pk)


def test_the_count_stops_at_the_cap(varied_attempts):
    assert capped_count(attempt_list(unscoped_user()), cap=100) == 17
    assert capped_count(attempt_list(unscoped_user()), cap=10) == 11


@pytest.mark.parametrize("param", ["submitted", "-submitted"])
def test_paging_through_only_in_progress_attempts_sorted_by_submission(varied_attempts, param):
    sort = Sort.from_param(param)
    in_progress = attempt_list(unscoped_user()).filter(submitted_at__isnull=True)
    expected = [row.pk for row in sort.annotate(in_progress).order_by(*sort.order_by())]
    seen, after = [], None
    while True:
        page = paginate(in_progress, sort, after=after, size=2)
        seen.extend(row.pk for row in page.rows)
        if not page.has_next:
            break
        after = page.next_cursor
    assert seen == expected
    assert len(expected) == 4  # started_at unknown, or not submitted


def test_a_cursor_from_the_unfiltered_list_still_pages_the_in_progress_list(varied_attempts):
    sort = Sort.from_param("-submitted")
    submitted_row = attempt_list(unscoped_user()).filter(submitted_at__isnull=False).first()
    cursor = encode_cursor(sort, submitted_row)
    in_progress = attempt_list(unscoped_user()).filter(submitted_at__isnull=True)
    first = paginate(in_progress, sort, size=50).rows
    assert paginate(in_progress, sort, after=cursor, size=50).rows == first
    assert paginate(in_progress, sort, before=cursor, size=50).rows == first


@pytest.mark.parametrize("cap", [3, 100])
def test_a_count_test_by_test_is_the_same_count_capped_alike(varied_attempts, cap):
    tests = ["maths", "physics"]
    attempts = attempt_list(unscoped_user()).filter(lookup_key__in=tests)
    expected = min(attempts.count(), cap + 1)
    assert capped_count(attempts, cap, tests=tests) == expected
    assert capped_count(attempts.filter(trust_score__gte=0.5), cap, tests=tests) == min(
        attempts.filter(trust_score__gte=0.5).count(), cap + 1
    )
