"""Reads shared by every app that lists values of a synced (or any indexed) column."""

from django.db import connection, models


def distinct_values(model: type[models.Model], column: str) -> list[str]:
    """The distinct non-empty values of an indexed column, sorted, in one query.

    A plain SELECT DISTINCT reads the whole index (a million entries for the attempts); this
    recursive query jumps from each value to the next with MIN(column) > previous, one index
    probe per distinct value, and is the same SQL on SQLite and PostgreSQL.
    """
    return distinct_values_of((model, column))[0]


def distinct_values_of(*columns: tuple[type[models.Model], str]) -> list[list[str]]:
    """`distinct_values` of several columns, in one query: a form's choices in one round trip."""
    found, selects = [], []
    for number, (model, column) in enumerate(columns):
        table = connection.ops.quote_name(model._meta.db_table)
        name = connection.ops.quote_name(model._meta.get_field(column).column)
        found.append(
            f"found{number}(value) AS ("  # noqa: S608 (identifiers from model metadata)
            f" SELECT MIN({name}) FROM {table} WHERE {name} > ''"
            f" UNION ALL"
            f" SELECT (SELECT MIN({name}) FROM {table} WHERE {name} > found{number}.value)"
            f" FROM found{number} WHERE found{number}.value IS NOT NULL)"
        )
        selects.append(f"SELECT {number}, value FROM found{number} WHERE value IS NOT NULL")  # noqa: S608
    sql = f"WITH RECURSIVE {', '.join(found)} {' UNION ALL '.join(selects)}"
    values: list[list[str]] = [[] for _ in columns]
    with connection.cursor() as cursor:
        cursor.execute(sql)
        for number, value in cursor.fetchall():
            values[number].append(value)
    return values
