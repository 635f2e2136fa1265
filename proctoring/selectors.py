"""Reads shared by every app that lists values of a synced (or any indexed) column."""

from django.db import connection, models


def distinct_values(model: type[models.Model], column: str) -> list[str]:
    """The distinct non-empty values of an indexed column, sorted, in one query.

    A plain SELECT DISTINCT reads the whole index (a million entries for the attempts); this
    recursive query jumps from each value to the next with MIN(column) > previous, one index
    probe per distinct value, and is the same SQL on SQLite and PostgreSQL.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    name = connection.ops.quote_name(model._meta.get_field(column).column)
    sql = (
        f"WITH RECURSIVE found(value) AS ("  # noqa: S608 (identifiers from model metadata)
        f" SELECT MIN({name}) FROM {table} WHERE {name} > ''"
        f" UNION ALL"
        f" SELECT (SELECT MIN({name}) FROM {table} WHERE {name} > found.value)"
        f" FROM found WHERE found.value IS NOT NULL"
        f") SELECT value FROM found WHERE value IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]
