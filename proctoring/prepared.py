"""Statements every request runs, planned once per database connection on PostgreSQL.

PostgreSQL plans a statement each time it receives one. For the few statements written once as
SQL that run on every request (the user's grants, access.grants_query) or on every "next" of
the review queue (review.queue_walk), planning cost several times the running: 0.46 of the
grants' 0.58 ms of database CPU, on every page. A statement run through `execute` is prepared
(PREPARE) the first time a connection runs it and executed by name (EXECUTE) after that.

The PREPARE is the connection's set-up, not a query of the page: it is sent on the driver's
cursor, past Django's query log, so a page's query count does not depend on whether its
connection is new. A prepared statement outlives a rolled-back transaction and lasts as long as
its connection; a new connection prepares it again. On SQLite `execute` simply runs the
statement. A prepared statement runs on one generic plan for every value of its parameters
(settings: plan_cache_mode), so not for statements whose best plan depends on those values (a
LIKE pattern, a skewed column). Left to itself, PostgreSQL kept planning "next"'s walk again on
every press: its estimates rated the generic plan dearer, though it is the same index scan
(tests/test_review_claims.py checks it).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime
from weakref import WeakKeyDictionary

from django.db import connection

_PREPARED: WeakKeyDictionary = WeakKeyDictionary()  # driver connection -> names prepared on it
_PLACEHOLDER = re.compile(r"%[s%]")
_TYPES = {bool: "boolean", int: "bigint", float: "double precision", str: "text"}


def execute(cursor, sql: str, params: Sequence) -> None:
    """Run `sql` (with %s placeholders) on Django's `cursor`, prepared once per connection on
    PostgreSQL. Every parameter must be a bool, int, float, str or aware datetime (not None):
    their types are the prepared statement's."""
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    types = tuple(_type_of(value) for value in params)
    name = "p" + hashlib.sha1(f"{sql}\n{types}".encode(), usedforsecurity=False).hexdigest()[:20]
    prepared = _PREPARED.setdefault(connection.connection, set())
    if name not in prepared:
        numbered = iter(range(1, len(params) + 1))
        body = _PLACEHOLDER.sub(lambda m: "%" if m[0] == "%%" else f"${next(numbered)}", sql)
        declared = f" ({', '.join(types)})" if types else ""
        with connection.wrap_database_errors:
            cursor.cursor.execute(f"PREPARE {name}{declared} AS {body}")
        prepared.add(name)
    arguments = f" ({', '.join(['%s'] * len(params))})" if params else ""
    cursor.execute(f"EXECUTE {name}{arguments}", params)


def _type_of(value) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError("a naive datetime has no time zone to prepare a statement for")
        return "timestamp with time zone"
    try:
        return _TYPES[type(value)]
    except KeyError:
        raise TypeError(f"no prepared type for {type(value).__name__}: {value!r}") from None
