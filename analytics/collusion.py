"""Collusion signals within one test: pairs of attempts whose violations fall in the same
minutes far more often than chance, one email behind several attempts, one name under several
emails.

Pairs are found from one query of the test's violation cells (analytics.models, kept by the
worker), as (label, wall-clock minute) sets per attempt: two attempts that share a (label,
minute) were both running then, so sharing minutes implies overlapping in time (checked again
on the attempts' start and end). A (label, minute) shared by more than CROWD attempts is a
cohort spike (noise in the room, a platform hiccup): the minute strip shows those, and they
are left out of the pairing (of both the shared minutes and each attempt's own), which also
bounds the work to CROWD² pairs per minute whatever the test's size.
Jaccard = shared / (|A| + |B| - shared).

Groups compare the attempts' keys (email and name trimmed and in lower case) that the worker
keeps (analytics.candidate_keys). They show at most MAX_GROUPS keys, the most suspicious first
(the lowest trust score among their attempts, then the most attempts), and MAX_MEMBERS attempts
of each (with how many there are): a page listing every attempt of a test of 50,000 did not
help anyone and took seconds to draw.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

from django.db.models import Count, F, Max, Min, QuerySet, Window
from django.db.models.functions import RowNumber

from analytics.models import AttemptKey, AttemptMinute, ViolationMinute
from proctoring.models import Attempt, EvidenceRecord

MIN_SHARED_MINUTES = 3
MIN_JACCARD = 0.5
CROWD = 20
MAX_GROUPS = 20
MAX_MEMBERS = 5
PAIR_FIELDS = ["id", "test_attempt_id", "candidate_name", "candidate_email", "started_at"]


@dataclass(frozen=True)
class Pair:
    first: Attempt
    second: Attempt
    shared: int
    jaccard: float


@dataclass(frozen=True)
class Group:
    """Attempts that share a key: one email (several attempts) or one name (several emails).
    `attempts` are the first MAX_MEMBERS of the `size` attempts, by start; `lowest_trust` the
    lowest trust score among all of them."""

    key: str
    attempts: list[Attempt]
    size: int
    lowest_trust: float | None = None

    @property
    def more(self) -> int:
        return self.size - len(self.attempts)


@dataclass(frozen=True)
class Groups:
    """The largest MAX_GROUPS groups of a kind, and how many groups there are in all."""

    shown: list[Group]
    total: int

    def __iter__(self):
        return iter(self.shown)

    def __getitem__(self, index):
        return self.shown[index]

    def __len__(self):
        return len(self.shown)

    @property
    def hidden(self) -> int:
        return self.total - len(self.shown)

    @property
    def lowest_trust(self) -> float | None:
        scores = [
            attempt.trust_score for attempt in self.attempts if attempt.trust_score is not None
        ]
        return min(scores, default=None)

    def rank(self) -> tuple:
        """Most suspicious first: the lowest trust score among its attempts (unscored last),
        then the most attempts, then the key."""
        lowest = self.lowest_trust
        return (lowest is None, lowest or 0.0, -len(self.attempts), self.key)


def minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def minute_sets(attempts: QuerySet[Attempt]) -> dict[int, set[tuple[str, datetime]]]:
    """{attempt id: its violations as (label, minute)} for `attempts` (one query)."""
    rows = (
        EvidenceRecord.objects.filter(
            is_violation=True, occurred_at__isnull=False, attempt__in=attempts.values("pk")
        )
        .order_by()
        .values_list("attempt_id", "label", "occurred_at")
    )
    sets = defaultdict(set)
    for attempt_id, label, occurred_at in rows.iterator(chunk_size=5000):
        sets[attempt_id].add((label, minute_of(occurred_at)))
    return sets


def _overlap(first: Attempt, second: Attempt) -> bool:
    if first.started_at is None or second.started_at is None:
        return True  # they shared minutes of violations: they were running together
    first_end = first.submitted_at or datetime.max.replace(tzinfo=first.started_at.tzinfo)
    second_end = second.submitted_at or datetime.max.replace(tzinfo=second.started_at.tzinfo)
    return first.started_at <= second_end and second.started_at <= first_end


def similar_pairs(lookup_key: str) -> list[Pair]:
    """Pairs of the test's attempts sharing >= MIN_SHARED_MINUTES (label, minute) with a
    Jaccard >= MIN_JACCARD, most similar first (three queries at most). The (label, minute)
    sets are the cells the worker keeps (analytics.minutes), read only where a cell has at most
    CROWD attempts: the work follows the uncrowded minutes, not the test's size."""
    # The uncrowded cells first (a test's few hundred), then their shares through the cell
    # index: joined in one query, the planner read every share of the test (a third of a
    # second at 200,000 attempts, where no cell is uncrowded).
    cells = list(
        ViolationMinute.objects.filter(
            lookup_key=lookup_key, minute__isnull=False, attempts__lte=CROWD
        ).values_list("pk", flat=True)
    )
    if not cells:
        return []
    shares = AttemptMinute.objects.filter(cell_id__in=cells).values_list("cell_id", "attempt_id")
    buckets = defaultdict(list)
    for cell_id, attempt_id in shares.iterator(chunk_size=5000):
        buckets[cell_id].append(attempt_id)
    shared = Counter()
    sizes = Counter()  # each attempt's minutes outside cohort spikes
    for ids in buckets.values():
        shared.update(combinations(sorted(ids), 2))
        sizes.update(ids)
    found = []
    for (first, second), count in shared.items():
        if count < MIN_SHARED_MINUTES:
            continue
        jaccard = count / (sizes[first] + sizes[second] - count)
        if jaccard >= MIN_JACCARD:
            found.append((first, second, count, jaccard))
    ids = {attempt_id for row in found for attempt_id in row[:2]}
    attempts = Attempt.objects.only(*PAIR_FIELDS, "submitted_at").in_bulk(ids)
    pairs = [
        Pair(attempts[first], attempts[second], count, jaccard)
        for first, second, count, jaccard in found
        if _overlap(attempts[first], attempts[second])
    ]
    pairs.sort(key=lambda pair: (-pair.jaccard, -pair.shared, pair.first.pk, pair.second.pk))
    return pairs


def _groups(lookup_key: str, key: str, counted: str | None = None) -> Groups:
    """The test's attempts grouped by `key` (an AttemptKey column) with several attempts, or,
    with `counted`, with several distinct values of that column (two queries)."""
    keys = AttemptKey.objects.filter(lookup_key=lookup_key).exclude(**{key: ""})
    grouped = keys.order_by().values(key).annotate(size=Count("*"), lowest=Min("trust_score"))
    if counted is None:
        grouped = grouped.filter(size__gt=1)
    else:
        # Several values: the least is not the greatest. COUNT(DISTINCT) sorted every group
        # (twice the time at 200,000 attempts); the key columns are never null.
        grouped = grouped.annotate(least=Min(counted), greatest=Max(counted))
        grouped = grouped.exclude(least=F("greatest"))
    rows = list(grouped.values_list(key, "size", "lowest"))
    # Most suspicious first: the lowest trust score among its attempts (unscored last), then
    # the most attempts, then the key.
    rows.sort(key=lambda row: (row[2] is None, row[2] or 0.0, -row[1], row[0]))
    shown = {group_key: (size, lowest) for group_key, size, lowest in rows[:MAX_GROUPS]}
    members = defaultdict(list)
    # From the keys' index to the attempts by primary key: only the shown groups' rows.
    ranked = (
        AttemptKey.objects.filter(lookup_key=lookup_key, **{f"{key}__in": list(shown)})
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F(key)],
                order_by=[F("attempt__started_at"), F("attempt_id")],
            )
        )
        .filter(rank__lte=MAX_MEMBERS)
        .select_related("attempt")
        .only(key, *[f"attempt__{name}" for name in PAIR_FIELDS], "attempt__trust_score")
        .order_by("attempt__started_at", "attempt_id")
    )
    for row in ranked:
        members[getattr(row, key)].append(row.attempt)
    groups = [Group(key, members[key], size, lowest) for key, (size, lowest) in shown.items()]
    return Groups(groups, len(rows))


def shared_emails(lookup_key: str) -> Groups:
    """Emails (case-insensitive) with several attempts at the test (two queries)."""
    return _groups(lookup_key, "email_key")


def names_under_several_emails(lookup_key: str) -> Groups:
    """Names (case-insensitive) used with more than one email at the test (two queries)."""
    return _groups(lookup_key, "name_key", counted="email_key")
