"""Keyset ("seek") pagination of the attempts list, which must stay fast on a million rows.

Why not Django's Paginator: it runs COUNT(*) over the whole filtered set on every page and
fetches page N with OFFSET, which reads and discards every earlier row; both grow with the table.
Here a page is "the next `size` rows after this row" (`?after=<cursor>`) or "before it"
(`?before=<cursor>`), where the cursor is the sort value and primary key of the boundary row.
Each page is then an index range scan of `size + 1` rows, whatever its depth.

Rows with no value in the sort column come after all the others in both directions, so a
nullable column is read as two segments — rows with a value, ordered by (value, pk), then rows
without, ordered by pk — and a page that straddles the boundary takes its rows from both (two
queries). Keeping NULLs out of the ORDER BY lets the database walk the column's (column, id)
index forwards or backwards, and read the NULL rows from a partial index in id order (both
declared in Attempt.Meta).

The trade-off: pages are reached by Next / Previous / First, not by number, and the size of the
result is shown as an exact count only up to COUNT_CAP ("more than 10,000") so that counting
stops early too (and is not run at all when one page holds every match).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, connections
from django.db.models import F, Model, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.lookups import IsNull
from django.utils.dateparse import parse_datetime

from access.params import is_storable_float, is_storable_integer, is_storable_text
from dashboard.sorting import Sort
from proctoring.attempt_indexes import KEY_SORT_INDEXES

PAGE_SIZE = 50
COUNT_CAP = 10_000
# Up to this many tests, a list limited to them reads each test's rows apart (_per_test).
MERGED_TESTS = 50


@dataclass
class Page:
    rows: list
    has_next: bool
    has_previous: bool
    next_cursor: str | None
    previous_cursor: str | None


def encode_cursor(sort: Sort, row: Model) -> str:
    value = getattr(row, sort.column.field)
    if isinstance(value, datetime):
        value = value.isoformat()
    elif isinstance(value, timedelta):
        value = value // timedelta(microseconds=1)
    raw = json.dumps([value, row.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: Sort, token: str | None) -> tuple[Any, int] | None:
    """(value, pk) from a cursor token, or None when the token is not one we wrote."""
    if not token:
        return None
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError, binascii.Error):
        return None
    if not is_storable_integer(pk):
        return None
    if value is None:
        return (None, pk) if sort.column.nullable else None
    value_type = sort.column.value_type
    try:
        if value_type is datetime:
            value = parse_datetime(value)
            if value is None or value.tzinfo is None:
                return None
            value = value.astimezone(UTC)  # PostgreSQL takes offsets up to 15:59 only
        elif value_type is timedelta:
            value = timedelta(microseconds=int(value))
        elif value_type is float:
            if isinstance(value, bool):
                return None
            value = float(value)
            if not is_storable_float(value):
                return None
        elif value_type is int:
            if not is_storable_integer(value):
                return None
        elif not is_storable_text(value):
            return None
    except (ValueError, TypeError, OverflowError):
        return None
    return (value, pk)


def _only_nulls(queryset, field):
    """True when a filter already limits `queryset` to rows where `field` IS NULL (such as "only
    in progress" for the submitted column). Then there is only the NULL segment, and its
    condition is not repeated: PostgreSQL would count it twice, underestimate the rows, and
    choose a plan that reads them all."""
    return any(
        isinstance(condition, IsNull)
        and condition.rhs is True
        and getattr(getattr(condition.lhs, "target", None), "name", None) == field
        for condition in queryset.query.where.children
    )


def _per_test(queryset, tests, order, limit):
    """The first `limit` rows of `queryset` in `order`, read test by test when `tests` are
    given: each test's first `limit` rows come from its own (lookup_key, column, id) index in
    order, and PostgreSQL merges them (a Merge Append), so a page of a few tests reads about a
    page of rows per test. Walking the column's own index instead passes the rows of every
    other test (99 % of them for 5 tests of 500), which the planner cannot foresee."""
    if not _reads_by_test(tests):
        return queryset.order_by(*order)[:limit]
    sql, params = _by_test(queryset.order_by(*order), tests, limit)
    quote = connections[queryset.db].ops.quote_name
    terms = ", ".join(
        f"{quote(_output_name(queryset, term.expression.name))} "
        f"{'DESC' if term.descending else 'ASC'}"
        for term in order
    )
    return queryset.model._default_manager.db_manager(queryset.db).raw(
        f"{sql} ORDER BY {terms} LIMIT {int(limit)}", params
    )


def _reads_by_test(tests: Sequence[str] | None) -> bool:
    """Whether rows limited to `tests` are read test by test: 2 to MERGED_TESTS of them, on
    PostgreSQL (which merges the parts in order)."""
    return bool(tests) and 2 <= len(tests) <= MERGED_TESTS and connection.vendor == "postgresql"


# The test of a part of _by_test while it is compiled, replaced by each test's key after.
_PART_TEST = "\x00one test of several\x00"


def _by_test(queryset: QuerySet, tests: Sequence[str], limit: int) -> tuple[str, list]:
    """The first `limit` rows of `queryset` of each test, as one UNION ALL: (sql, params).

    The parts differ only in their test, so one part is compiled and its SQL repeated with
    each test's key among its parameters: Django compiles each part of a union on its own,
    and the list's five review subqueries in each of them cost more CPU than the page's
    rows (a user limited to a few tests, benchmarks/pages.py)."""
    part = queryset.filter(lookup_key=_PART_TEST)[:limit]
    sql, part_params = part.query.sql_with_params()
    if list(part_params).count(_PART_TEST) != 1:  # the test is a parameter, and only once
        raise RuntimeError("the test of a part of a list read test by test is not a parameter")
    params = []
    for test in tests:
        params.extend(test if value == _PART_TEST else value for value in part_params)
    return " UNION ALL ".join([f"({sql})"] * len(tests)), params


def _output_name(queryset: QuerySet, name: str) -> str:
    """The name of the column that the part SQL of _by_test gives field or annotation `name`."""
    if name in queryset.query.annotations:
        return name
    return queryset.model._meta.get_field("id" if name == "pk" else name).column


def _seek(queryset, sort, cursor, *, backwards, limit, tests=None):
    """Up to `limit` rows strictly after `cursor` in sort order (before it when `backwards`),
    nearest first. No cursor: from the start (from the end when `backwards`). `tests`: the
    few tests the rows can belong to, when known (see _per_test)."""
    field = sort.column.field
    ascending = sort.descending == backwards
    only_nulls = sort.column.nullable and _only_nulls(queryset, field)
    if only_nulls:
        segments = ["nulls"]
    elif sort.column.nullable:
        segments = ["values", "nulls"]
    else:
        segments = ["values"]
    if backwards:
        segments.reverse()
    cursor_segment = None
    if cursor is not None:
        cursor_segment = "nulls" if cursor[0] is None else "values"
        if cursor_segment in segments:
            segments = segments[segments.index(cursor_segment) :]
        elif backwards:
            return []  # a row with a value comes before every NULL: nothing precedes it here
        else:
            cursor_segment = None  # ... and every NULL comes after it

    def direction(name: str) -> OrderBy:
        return F(name).asc() if ascending else F(name).desc()

    split = tests if tests and field in KEY_SORT_INDEXES else None

    after = "gt" if ascending else "lt"
    rows = []
    for segment in segments:
        selected = queryset
        if segment == "values":
            if sort.column.nullable:
                selected = selected.filter(**{f"{field}__isnull": False})
            if segment == cursor_segment:
                value, pk = cursor
                # The redundant bound on the column alone is what the index range scan uses.
                bound = "gte" if ascending else "lte"
                selected = selected.filter(
                    Q(**{f"{field}__{bound}": value})
                    & (Q(**{f"{field}__{after}": value}) | Q(**{f"pk__{after}": pk}))
                )
            order = [direction(field), direction("id")]
            selected = _per_test(selected, split, order, limit - len(rows))
        else:
            if not only_nulls:
                selected = selected.filter(**{f"{field}__isnull": True})
            if segment == cursor_segment:
                selected = selected.filter(**{f"pk__{after}": cursor[1]})
            selected = _per_test(selected, tests, [direction("id")], limit - len(rows))
        rows.extend(selected)
        if len(rows) >= limit:
            break
    return rows


def paginate(
    queryset: QuerySet,
    sort: Sort,
    *,
    after: str | None = None,
    before: str | None = None,
    size: int = PAGE_SIZE,
    tests: Sequence[str] | None = None,
) -> Page:
    """The page of `queryset` (already filtered) in `sort` order that the cursors ask for.
    `tests`: the tests its rows can belong to when they are few (MERGED_TESTS at most), so
    each is read through its own index (_per_test); None: any test."""
    queryset = sort.annotate(queryset)
    before_cursor = decode_cursor(sort, before)
    if before_cursor is not None:
        rows = _seek(queryset, sort, before_cursor, backwards=True, limit=size + 1, tests=tests)
        if len(rows) > size:
            rows = rows[:size][::-1]
            return _page(sort, rows, has_next=True, has_previous=True)
        # Fewer than a page before it: that is the first page, shown in full.
        after_cursor = None
    else:
        after_cursor = decode_cursor(sort, after)
    rows = _seek(queryset, sort, after_cursor, backwards=False, limit=size + 1, tests=tests)
    return _page(
        sort, rows[:size], has_next=len(rows) > size, has_previous=after_cursor is not None
    )


def _page(sort, rows, *, has_next, has_previous):
    return Page(
        rows=rows,
        has_next=has_next,
        has_previous=has_previous,
        next_cursor=encode_cursor(sort, rows[-1]) if has_next and rows else None,
        previous_cursor=encode_cursor(sort, rows[0]) if has_previous and rows else None,
    )


def capped_count(
    queryset: QuerySet, cap: int = COUNT_CAP, tests: Sequence[str] | None = None
) -> int:
    """How many rows match, counting no further than `cap` + 1 (shown as "more than cap").
    `tests`: the few tests the rows can belong to, as paginate's: counted test by test, so a
    filter on another table (a violation's label) is checked row by row for those tests'
    rows rather than by walking all of that table's matches (a merge join the planner
    prefers for the tests together)."""
    ids = queryset.order_by().values("pk")
    if not _reads_by_test(tests):
        return ids[: cap + 1].count()
    sql, params = _by_test(ids, tests, cap + 1)
    counted = f"SELECT COUNT(*) FROM ({sql} LIMIT {int(cap) + 1}) subquery"  # noqa: S608 (compiled by Django, values in params)
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(counted, params)
        return cursor.fetchone()[0]
