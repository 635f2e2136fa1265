"""The sortable columns of the attempts list, and the `o` URL parameter that picks one.

`o=trust` sorts by trust score ascending (riskiest first), `o=-trust` descending. Attempts with
no value in the sort column (not scored, not submitted) always come last, whichever the
direction, and the primary key breaks ties so the order is total and keyset pagination exact.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.db.models.expressions import OrderBy

from dashboard.columns import SORT_COLUMNS as COLUMNS
from dashboard.columns import Column

DEFAULT_SORT = "-submitted"


@dataclass(frozen=True)
class Sort:
    column: Column
    descending: bool

    @classmethod
    def from_param(cls, value: str | None) -> Sort:
        """The sort named by `value` (e.g. "-trust"); the default for anything unknown."""
        value = (value or "").strip()
        column = COLUMNS.get(value.removeprefix("-"))
        if column is None:
            return cls.from_param(DEFAULT_SORT)
        return cls(column, value.startswith("-"))

    @property
    def param(self) -> str:
        return f"-{self.column.key}" if self.descending else self.column.key

    def annotate(self, queryset: QuerySet) -> QuerySet:
        if self.column.annotation is not None:
            queryset = queryset.annotate(**{self.column.field: self.column.annotation})
        return queryset

    def order_by(self) -> list[OrderBy]:
        """ORDER BY terms for a plain (non-keyset) query, such as the CSV export."""
        field = F(self.column.field)
        if self.descending:
            return [field.desc(nulls_last=True), F("pk").desc()]
        return [field.asc(nulls_last=True), F("pk").asc()]

    def header_param(self, column: Column) -> str:
        """The `o` a click on `column`'s header asks for: flip if current, else its default."""
        if column.key == self.column.key:
            return column.key if self.descending else f"-{column.key}"
        return f"-{column.key}" if column.default_descending else column.key
