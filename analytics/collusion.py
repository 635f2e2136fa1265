"""Collusion signals within one test: pairs of attempts whose violations fall in the same
minutes far more often than chance, one email behind several attempts, one name under several
emails.

Pairs are found from one query of the test's violations, as (label, wall-clock minute) sets per
attempt: two attempts that share a (label, minute) were both running then, so sharing minutes
implies overlapping in time (checked again on the attempts' start and end). A (label, minute)
shared by more than CROWD attempts is a cohort spike (noise in the room, a platform hiccup):
the minute strip shows those, and they are left out of the pairing (of both the shared minutes
and each attempt's own), which also bounds the work to CROWD² pairs per minute whatever the
test's size. Jaccard = shared / (|A| + |B| - shared).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

from django.db.models import Count, QuerySet
from django.db.models.functions import Lower, Trim

from proctoring.models import Attempt, EvidenceRecord

MIN_SHARED_MINUTES = 3
MIN_JACCARD = 0.5
CROWD = 20
PAIR_FIELDS = ["id", "test_attempt_id", "candidate_name", "candidate_email", "started_at"]


@dataclass(frozen=True)
class Pair:
    first: Attempt
    second: Attempt
    shared: int
    jaccard: float


@dataclass(frozen=True)
class Group:
    """Attempts that share a key: one email (several attempts) or one name (several emails)."""

    key: str
    attempts: list[Attempt]

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
    Jaccard >= MIN_JACCARD, most similar first (two queries)."""
    sets = minute_sets(Attempt.objects.filter(lookup_key=lookup_key))
    buckets = defaultdict(list)
    for attempt_id, minutes in sets.items():
        for minute in minutes:
            buckets[minute].append(attempt_id)
    shared = Counter()
    sizes = Counter()  # each attempt's minutes outside cohort spikes
    for ids in buckets.values():
        if len(ids) <= CROWD:
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


def _groups(attempts: QuerySet[Attempt], key, having) -> list[Group]:
    keyed = attempts.annotate(group_key=key).exclude(group_key="")
    keys = list(
        keyed.order_by()
        .values("group_key")
        .annotate(**having)
        .filter(**{f"{next(iter(having))}__gt": 1})
        .values_list("group_key", flat=True)
    )
    members = defaultdict(list)
    chosen = keyed.filter(group_key__in=keys).only(*PAIR_FIELDS, "trust_score")
    for attempt in chosen.order_by("started_at", "pk"):
        members[attempt.group_key].append(attempt)
    return sorted((Group(key, members[key]) for key in members), key=Group.rank)


def shared_emails(lookup_key: str) -> list[Group]:
    """Emails (case-insensitive) with several attempts at the test (two queries)."""
    return _groups(
        Attempt.objects.filter(lookup_key=lookup_key),
        Lower(Trim("candidate_email")),
        {"attempts": Count("pk")},
    )


def names_under_several_emails(lookup_key: str) -> list[Group]:
    """Names (case-insensitive) used with more than one email at the test (two queries)."""
    return _groups(
        Attempt.objects.filter(lookup_key=lookup_key),
        Lower(Trim("candidate_name")),
        {"emails": Count(Lower(Trim("candidate_email")), distinct=True)},
    )
