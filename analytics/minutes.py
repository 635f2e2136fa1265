"""Keeping the violation cells (analytics.models) equal to the evidence, attempt by attempt.

`refresh(attempt_ids)` recounts the given attempts: each one's share of every cell is read
again from its evidence records, the difference with the share counted before goes into the
cells, and cells left without an attempt are removed. It is exact whatever happened to the
attempts meanwhile (evidence replaced, re-parsed, purged, the attempt deleted), so the worker
calls it with the attempts a pass changed (proctoring.signals.evidence_changed) and the work
follows the pass, not the size of the tests. `rebuild()` recounts everything (the migration
that adds the cells, and a table filled by other means, as the benchmarks do).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncMinute

from analytics.models import AttemptMinute, ViolationMinute
from proctoring.models import EvidenceRecord
from proctoring.sync import bulk

# Attempts recounted in one transaction.
BATCH = 500

Cell = tuple[str, str, datetime | None]  # (lookup_key, label, minute)


def refresh(attempt_ids: Iterable[int]) -> None:
    """Recount these attempts' shares of the cells (ids of deleted attempts included)."""
    ids = sorted(set(attempt_ids))
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            _refresh(ids[start : start + BATCH])


def rebuild() -> None:
    """Recount every attempt: the cells then hold exactly what the evidence says."""
    with transaction.atomic():
        AttemptMinute.objects.all().delete()
        ViolationMinute.objects.all().delete()
    refresh(
        EvidenceRecord.objects.filter(is_violation=True)
        .order_by()
        .values_list("attempt_id", flat=True)
        .distinct()
    )


def counted_shares(attempt_ids: list[int]) -> dict[tuple[int, Cell], int]:
    """{(attempt id, cell): violations} as the evidence says now, for attempts of a test."""
    rows = (
        EvidenceRecord.objects.filter(attempt_id__in=attempt_ids, is_violation=True)
        .exclude(attempt__lookup_key="")
        .annotate(minute=TruncMinute("occurred_at"))
        .order_by()
        .values_list("attempt_id", "attempt__lookup_key", "label", "minute")
        .annotate(count=Count("*"))
    )
    return {(attempt_id, (key, label, minute)): n for attempt_id, key, label, minute, n in rows}


def _refresh(ids: list[int]) -> None:
    before = {
        (attempt_id, (key, label, minute)): n
        for attempt_id, key, label, minute, n in AttemptMinute.objects.filter(attempt_id__in=ids)
        .order_by()
        .values_list("attempt_id", "cell__lookup_key", "cell__label", "cell__minute", "violations")
    }
    after = counted_shares(ids)
    if before == after:
        return
    change: dict[Cell, list[int]] = defaultdict(lambda: [0, 0])  # [violations, attempts]
    for (_, cell), n in before.items():
        change[cell][0] -= n
        change[cell][1] -= 1
    for (_, cell), n in after.items():
        change[cell][0] += n
        change[cell][1] += 1
    cell_ids, created = _cell_ids(change)
    AttemptMinute.objects.filter(attempt_id__in=ids).delete()
    table = connection.ops.quote_name(ViolationMinute._meta.db_table)
    with connection.cursor() as cursor:
        # Added to what is there, so a purge recounting other attempts meanwhile adds its own.
        cursor.executemany(
            f"UPDATE {table} SET violations = violations + %s, attempts = attempts + %s "  # noqa: S608 (model metadata)
            "WHERE id = %s",
            [
                (v, a, cell_ids[cell])
                for cell, (v, a) in change.items()
                if (v or a) and cell not in created
            ],
        )
    ViolationMinute.objects.filter(pk__in=[cell_ids[cell] for cell in change], attempts=0).delete()
    # COPY on PostgreSQL (bulk.py): Django's bulk_create prepared every value in Python, a large
    # share of the evidence pass's own CPU, since the pass recounts alongside its fetching.
    bulk.insert(
        AttemptMinute,
        [
            {"attempt_id": attempt_id, "cell_id": cell_ids[cell], "violations": n}
            for (attempt_id, cell), n in after.items()
        ],
    )


def _cell_ids(change: dict[Cell, list[int]]) -> tuple[dict[Cell, int], set[Cell]]:
    """({cell: its id} of the changed cells, the cells created here with their change as
    their figures). A first pass creates most of its cells: they are inserted counted, not
    inserted empty and then updated. When a concurrent refresh created one of them first, the
    missing ones are made empty instead and updated like the others."""
    found = _find_cells(set(change))
    missing = set(change) - set(found)
    if not missing:
        return found, set()
    created = create_cells(missing, change)
    returned = {cell: pk for cell, pk in created.items() if pk is not None}
    found.update(returned)
    if len(returned) < len(missing):
        found.update(_find_cells(missing - set(returned)))
    return found, set(created)


def create_cells(missing: set[Cell], change: dict[Cell, list[int]]) -> dict[Cell, int | None]:
    """Insert the `missing` cells with their change as their figures and return them, each
    with the id the insert returned (None where the database returns none: then it is looked
    up). When one exists after all (a concurrent refresh made it), insert the missing ones
    empty instead (those that are not there yet) and return none: the caller then adds every
    change."""
    try:
        with transaction.atomic():
            return _insert_cells(missing, change)
    except IntegrityError:
        ViolationMinute.objects.bulk_create(
            (ViolationMinute(lookup_key=k, label=label, minute=m) for k, label, m in missing),
            ignore_conflicts=True,
            batch_size=1000,
        )
        return {}


def _insert_cells(missing: set[Cell], change: dict[Cell, list[int]]) -> dict[Cell, int | None]:
    """Insert the cells counted; {cell: its id}. On PostgreSQL one INSERT over arrays of the
    values, returning each id with its cell: a first pass creates about three cells an
    attempt, and bulk_create's model instances and per-value preparation took 0.09 ms of the
    evidence pass's CPU an attempt (in the recount alongside it), this 0.05 ms."""
    if connection.vendor != "postgresql":
        cells = [
            ViolationMinute(lookup_key=k, label=label, minute=m, violations=v, attempts=a)
            for (k, label, m), (v, a) in ((cell, change[cell]) for cell in missing)
        ]
        ViolationMinute.objects.bulk_create(cells, batch_size=1000)
        return {(c.lookup_key, c.label, c.minute): c.pk for c in cells}
    cells = list(missing)
    table = connection.ops.quote_name(ViolationMinute._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (lookup_key, label, minute, violations, attempts) "  # noqa: S608 (model metadata)
            "SELECT * FROM unnest(%s::varchar[], %s::varchar[], %s::timestamptz[], %s::int[], "
            "%s::int[]) RETURNING id, lookup_key, label, minute",
            [
                [key for key, _, _ in cells],
                [label for _, label, _ in cells],
                [minute for _, _, minute in cells],
                [change[cell][0] for cell in cells],
                [change[cell][1] for cell in cells],
            ],
        )
        return {(key, label, minute): pk for pk, key, label, minute in cursor.fetchall()}


def _find_cells(keys: set[Cell]) -> dict[Cell, int]:
    by_test = defaultdict(set)
    for key, label, minute in keys:
        by_test[key].add((label, minute))
    condition = Q(pk__in=[])
    for key, wanted in by_test.items():
        minutes = {minute for _, minute in wanted if minute is not None}
        when = Q(minute__in=minutes)
        if any(minute is None for _, minute in wanted):
            when |= Q(minute__isnull=True)
        condition |= when & Q(lookup_key=key, label__in={label for label, _ in wanted})
    rows = ViolationMinute.objects.filter(condition).values_list(
        "pk", "lookup_key", "label", "minute"
    )
    return {
        (key, label, minute): pk for pk, key, label, minute in rows if (key, label, minute) in keys
    }


def recount(lookup_key: str) -> dict[tuple[str, datetime | None], tuple[int, int]]:
    """{(label, minute): (violations, attempts)} of one test from its evidence: what the cells
    must hold (for tests of the rollup)."""
    rows = (
        EvidenceRecord.objects.filter(is_violation=True, attempt__lookup_key=lookup_key)
        .annotate(minute=TruncMinute("occurred_at"))
        .order_by()
        .values_list("label", "minute")
        .annotate(count=Count("*"), attempts=Count("attempt", distinct=True))
    )
    return {(label, minute): (n, attempts) for label, minute, n, attempts in rows}
