"""Database functions shared by the sync and the dashboard's reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import DateTimeField, Func

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler


class UtcTime(Func):
    """A timestamp read as UTC wall-clock time without its zone, on PostgreSQL.

    Django reads PostgreSQL's `timestamp with time zone` through a loader written in Python,
    the same instant as a plain `timestamp` in UTC through psycopg's C loader, many times
    faster: a large share of an export's and a re-sync's reads (benchmarks/README.md). Other
    databases read the column as it is. `aware()` gives the value its zone back."""

    template = "(%(expressions)s AT TIME ZONE 'UTC')"
    output_field = DateTimeField()

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list | tuple]:
        if connection.vendor != "postgresql":
            return compiler.compile(self.source_expressions[0])
        return super().as_sql(compiler, connection, **extra_context)


def aware(moment: datetime | None) -> datetime | None:
    """A moment read through UtcTime, with its UTC zone (an aware one is left as it is)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
