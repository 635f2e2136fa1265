"""Keeping each attempt's comparison keys (analytics.models.AttemptKey) equal to its email,
name and trust score: recomputed for the attempts a results pass wrote (their last_synced_at is
the pass's) and for those an evidence pass, a re-parse or a purge changed (a purge erases
names)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction

from analytics.models import AttemptKey
from proctoring.models import Attempt

BATCH = 2000


def refresh(attempt_ids: Iterable[int]) -> None:
    """Recompute the keys of these attempts (deleted ones simply have none): two statements
    per chunk, computed by the database as a results pass's are."""
    ids = sorted(set(attempt_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        marks = ", ".join(["%s"] * len(chunk))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {_keys()} WHERE attempt_id IN ({marks})", chunk)  # noqa: S608 (model metadata)
            cursor.execute(f"{_INSERT} WHERE id IN ({marks}) AND lookup_key <> ''", chunk)


def refresh_synced_since(moment: datetime) -> None:
    """Recompute the keys of the attempts a sync changed at or after `moment`: two statements
    whatever their number (a first pass writes them all)."""
    since = connection.ops.adapt_datetimefield_value(moment)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_keys()} WHERE attempt_id IN (SELECT id FROM {_attempts()} "  # noqa: S608 (model metadata)
            "WHERE last_synced_at >= %s AND lookup_key = '')",
            [since],
        )
        cursor.execute(
            f"{_INSERT} WHERE last_synced_at >= %s AND lookup_key <> '' "
            "ON CONFLICT (attempt_id) DO UPDATE SET lookup_key = excluded.lookup_key, "
            "email_key = excluded.email_key, name_key = excluded.name_key, "
            "trust_score = excluded.trust_score",
            [since],
        )


def rebuild() -> None:
    """Recompute every attempt's keys, in one statement."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_keys()}")  # noqa: S608 (model metadata)
        cursor.execute(f"{_INSERT} WHERE lookup_key <> ''")


def _keys() -> str:
    return connection.ops.quote_name(AttemptKey._meta.db_table)


def _attempts() -> str:
    return connection.ops.quote_name(Attempt._meta.db_table)


# LOWER and TRIM as Django's Lower and Trim write them, on both databases.
_INSERT = (
    f"INSERT INTO {AttemptKey._meta.db_table} "  # noqa: S608 (model metadata)
    "(attempt_id, lookup_key, email_key, name_key, trust_score) "
    "SELECT id, lookup_key, LOWER(TRIM(candidate_email)), LOWER(TRIM(candidate_name)), trust_score "
    f"FROM {Attempt._meta.db_table}"
)
