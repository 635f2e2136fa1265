"""Bulk inserts for the sync: PostgreSQL's COPY where it is available, bulk_create elsewhere.

Why not bulk_create everywhere: on PostgreSQL, Django 5.2 sends a bulk insert as one UNNEST
array per column, which psycopg formats in Python (every JSON value's quotes escaped one
regular-expression match at a time), after Django has prepared every value through its field.
For a page of new attempts or an attempt's evidence records that Python work was most of the
write (see benchmarks/HISTORY.md). COPY rows are formatted by psycopg's C code and the server
loads them in bulk.

Rows are dicts of field attname (`attempt_id`, not `attempt`) to the value the model field holds
(what the sync would assign to a model instance); a field left out gets its default. SQLite and
any other database take the same rows through bulk_create, so the result is the same row for
row. Table and column names come from the model's metadata, quoted; values are never in the SQL.
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import JSONField

if TYPE_CHECKING:
    from django.db.models import Model


def insert(model: type[Model], rows: list[dict]) -> None:
    """Insert rows that do not exist yet; a conflict with a stored row is an IntegrityError
    and inserts none of them."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows])
        return
    columns = Columns(model, rows[0])
    table = connection.ops.quote_name(model._meta.db_table)
    statement = f"COPY {table} ({', '.join(columns.quoted)}) FROM STDIN"
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # Shown in connection.queries like any statement, so query counts stay honest.
        logged = cursor.debug_sql(statement) if hasattr(cursor, "debug_sql") else None
        with (
            logged or contextlib.nullcontext(),
            connection.wrap_database_errors,
            cursor.cursor.copy(statement) as copy,
        ):
            for row in rows:
                copy.write_row(columns.values(row))


class Columns:
    """The concrete columns a row writes (every field but an auto primary key), and how each
    field's value is turned into what the database stores. Defaults are taken once per call,
    as one bulk_create takes them for one batch, for whichever fields a row leaves out."""

    def __init__(self, model, sample_row: dict):
        fields = [
            field
            for field in model._meta.concrete_fields
            if not (field.primary_key and field.attname not in sample_row)
        ]
        self.names = [field.attname for field in fields]
        self.quoted = [connection.ops.quote_name(field.column) for field in fields]
        self.defaults = {field.attname: field.get_default() for field in fields}
        # JSON is written as its text, encoded with the field's own encoder (what the field's
        # adapter would send, without a wrapper object and a dumper lookup per value); every
        # other value is written as it is.
        self.json_encoders = {
            field.attname: field.encoder for field in fields if isinstance(field, JSONField)
        }

    def values(self, row: dict) -> list:
        values = []
        for name in self.names:
            value = row[name] if name in row else self.defaults[name]
            if name in self.json_encoders and value is not None:
                value = json.dumps(value, cls=self.json_encoders[name])
            values.append(value)
        return values
