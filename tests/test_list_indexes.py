"""The attempts list's queries are served by indexes, so they stay fast on a million rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.filters import AttemptFilter
from dashboard.pagination import paginate
from dashboard.selectors import attempt_list
from dashboard.sorting import Sort
from tests.fixtures.data import make_attempts
from tests.fixtures.personas import unscoped_user

pytestmark = pytest.mark.django_db


def plan_of(queryset):
    """The database's plan for `queryset`, with table scans discouraged where that is possible
    (on a tiny test table a scan is rightly cheaper; we check that an index can serve it)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row) for row in cursor.fetchall())


def first_page_query(param):
    """The SQL of the first page of the list sorted by `param` (its first segment)."""
    with CaptureQueriesContext(connection) as queries:
        paginate(attempt_list(unscoped_user()), Sort.from_param(param), size=5)
    return queries.captured_queries[0]["sql"]


@pytest.mark.parametrize(
    ("param", "index"),
    [
        ("candidate", "dash_attempt_name_id"),
        ("-email", "dash_attempt_email_id"),
        ("test", "dash_attempt_lookup_key_id"),
        ("-started", "dash_attempt_started_id"),
        ("violations", "dash_attempt_violations_trust"),
        ("-evidence", "dash_attempt_evidence_id"),
    ],
)
def test_each_sort_walks_an_index_instead_of_sorting(param, index):
    make_attempts(3)
    sql = first_page_query(param)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = "\n".join(str(row) for row in cursor.fetchall())
    assert index in plan
    assert "TEMP B-TREE" not in plan  # SQLite's sign of a sort step


def test_postgresql_searches_names_through_a_trigram_index():
    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes are a PostgreSQL feature")
    make_attempts(3)
    searched = AttemptFilter({"q": "ångström"}, queryset=attempt_list(unscoped_user())).qs
    plan = plan_of(searched)
    assert "dash_attempt_name_trgm" in plan
    assert "dash_attempt_email_trgm" in plan
    assert "dash_attempt_id_trgm" in plan


def test_a_trust_range_sorted_by_violations_tests_the_scores_in_the_index():
    """The violations sort's index carries the trust score (Attempt.Meta), so a
    trust-range filter is an Index Cond on its entries and only the page's rows are read."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's EXPLAIN QUERY PLAN does not say which terms the index tests")
    make_attempts(3, trust_score=lambda i: 0.3 + i / 10, violation_count=lambda i: i)
    filtered = AttemptFilter(
        {"trust_min": "40", "trust_max": "60"}, queryset=attempt_list(unscoped_user())
    ).qs
    with CaptureQueriesContext(connection) as queries:
        paginate(filtered, Sort.from_param("-violations"), size=5)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {queries.captured_queries[0]['sql']}")
        plan = [row[0] for row in cursor.fetchall()]
    scan = next(i for i, line in enumerate(plan) if "proctoring_attempt " in line)
    assert "Index Scan Backward using dash_attempt_violations_trust" in plan[scan]
    assert "Index Cond: ((trust_score >= " in plan[scan + 1]
    assert "trust_score <= " in plan[scan + 1]


@pytest.mark.parametrize(
    ("param", "index"),
    [("trust", "attempt_key_trust"), ("-submitted", "attempt_key_submitted")],
)
def test_a_list_of_a_few_tests_reads_each_tests_rows_through_its_own_index(param, index):
    """Walking the sort column's own index would pass every row of the other tests (99 % of
    a table of 500 tests for a user limited to 5): each test is read in order from its
    (lookup_key, column, id) index instead, and the reads are merged."""
    if connection.vendor != "postgresql":
        pytest.skip("the reads are merged on PostgreSQL only (dashboard.pagination._per_test)")
    make_attempts(6, lookup_key=lambda i: f"test-{i % 3}")
    tests = ["test-0", "test-1"]
    attempts = attempt_list(unscoped_user()).filter(lookup_key__in=tests)
    with CaptureQueriesContext(connection) as queries:
        paginate(attempts, Sort.from_param(param), size=5, tests=tests)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {queries.captured_queries[0]['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Merge Append" in plan
    assert plan.count(index) == len(tests)
