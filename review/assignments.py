"""Assignment: a test admin gives a test's queue, or a share of it, to named reviewers.

"Next" offers each reviewer their assigned attempts first, then the attempts nobody is assigned;
an attempt assigned to someone else is not offered (anyone may still open and decide it). A
verdict ends nothing here: a decided attempt leaves the queue, and its assignment with it
(the queue is read through the attempts that need a review).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import cycle

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet

from audit.services import audit_record
from proctoring.models import Attempt
from review.models import ReviewAssignment
from review.refusals import ReviewRefused

QUEUE_ASSIGN = "queue.assign"


def assigned_to(user: AbstractBaseUser) -> Exists:
    return Exists(ReviewAssignment.objects.filter(attempt=OuterRef("pk"), reviewer_id=user.pk))


def has_assignments(user: AbstractBaseUser) -> bool:
    """Whether any attempt is assigned to `user` (decided or not)."""
    return ReviewAssignment.objects.filter(reviewer_id=user.pk).exists()


def assigned_to_others(user: AbstractBaseUser) -> Exists:
    return Exists(
        ReviewAssignment.objects.filter(attempt=OuterRef("pk")).exclude(reviewer_id=user.pk)
    )


def assign(
    *,
    user: AbstractBaseUser,
    queue: QuerySet[Attempt],
    reviewers: list[AbstractBaseUser],
    each: int | None = None,
) -> dict[str, int]:
    """Share `queue` (one test's attempts needing a review, in queue order) among `reviewers`,
    in turn: `each` attempts each at most, or the whole queue when None. Attempts already
    assigned are given again. Returns {reviewer name: attempts assigned}; audited."""
    if not reviewers:
        raise ReviewRefused("Choose at least one reviewer; nothing was assigned.")
    if each is not None and each < 1:
        raise ReviewRefused("Give a number of attempts each of at least 1, or leave it empty.")
    ids = list(queue.values_list("pk", flat=True))
    if each is not None:
        ids = ids[: each * len(reviewers)]
    counts = {reviewer.get_username(): 0 for reviewer in reviewers}
    rows = []
    for attempt_id, reviewer in zip(ids, cycle(reviewers), strict=False):
        rows.append(
            ReviewAssignment(
                attempt_id=attempt_id,
                reviewer=reviewer,
                reviewer_name=reviewer.get_username(),
                assigned_by_name=user.get_username(),
            )
        )
        counts[reviewer.get_username()] += 1
    with transaction.atomic():
        ReviewAssignment.objects.filter(attempt_id__in=ids).delete()
        ReviewAssignment.objects.bulk_create(rows)
        audit_record(
            user=user,
            action=QUEUE_ASSIGN,
            summary="Assigned " + ", ".join(f"{count} to {name}" for name, count in counts.items()),
            detail={"assigned": counts, "attempts": len(ids)},
        )
    return counts


@dataclass(frozen=True)
class Share:
    """One test where `user` has assigned attempts: how many are left for them, and in all."""

    lookup_key: str
    for_you: int
    in_test: int


def shares(user: AbstractBaseUser, queue: QuerySet[Attempt]) -> list[Share]:
    """For each test of `queue` with attempts assigned to `user`: "N left for you, M in the
    test". Two queries, whatever the number of tests."""
    mine = dict(
        queue.filter(assigned_to(user))
        .order_by()
        .values_list("lookup_key")
        .annotate(count=Count("pk"))
    )
    if not mine:
        return []
    totals = dict(
        queue.filter(lookup_key__in=mine)
        .order_by()
        .values_list("lookup_key")
        .annotate(count=Count("pk"))
    )
    return [Share(key, mine[key], totals.get(key, 0)) for key in sorted(mine)]
