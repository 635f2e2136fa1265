"""Storing a page's attempts one at a time, after the page's bulk write was refused.

A bulk write stores all of a page or none of it, so one attempt the database rejects (a value
it cannot hold, whatever the cause) would stop the page on every run for as long as AutoProctor
lists that attempt. The results pass then stores the page's rows one by one, each in its own
savepoint, and reports the rows that still fail as problems of their own.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, InterfaceError, OperationalError, transaction

logger = logging.getLogger("proctoring.sync")

# What a database or its driver raises for a value it cannot store.
UNSTORABLE_ERRORS = (DatabaseError, ValueError, OverflowError)


def store_each(batches: list[tuple[list[dict], object]]) -> dict[str, str]:
    """Write each row of each (rows, write) batch through `write([row])` in a savepoint of its
    own. Returns {test_attempt_id: reason} for the rows that could not be stored."""
    failed: dict[str, str] = {}
    for rows, write in batches:
        for row in rows:
            try:
                with transaction.atomic():
                    write([row])
            except UNSTORABLE_ERRORS as error:
                if isinstance(error, OperationalError | InterfaceError):
                    raise  # the database stopped answering: no row would be stored
                reason = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
                logger.warning("Attempt %r could not be stored: %s", row["test_attempt_id"], reason)
                failed[row["test_attempt_id"]] = reason
    return failed


def problem(test_attempt_id: str, reason: str) -> str:
    """The run's line for an attempt that could not be stored (repr: no raw control characters)."""
    return (
        f"attempt {test_attempt_id[:60]!r}: the database refused it ({reason}); the rest of its "
        "page was stored, and it is tried again on the next run"
    )
