"""Which of our attempt columns each mapped AutoProctor field fills, so a field an answer did not
carry at all keeps its stored value instead of being overwritten with nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from autoproctor.wire import FIELD_COLUMNS

if TYPE_CHECKING:
    from autoproctor import AttemptData


def unsent_columns(data: AttemptData) -> list[str]:
    """Our columns fed by fields the AttemptData's object did not carry under any name."""
    return [column for name in data.absent for column in FIELD_COLUMNS.get(name, ())]


def keep_unsent(row: dict, data: AttemptData, stored: dict | None) -> None:
    """Put the stored values back in `row` for the columns the answer did not carry."""
    if stored is None:
        return
    for column in unsent_columns(data):
        row[column] = stored[column]
