"""Claims: who is reviewing an attempt right now, so two reviewers working the queue side by
side are never offered the same attempt.

Taking a claim is one conditional write, safe under concurrency without a lock held across
requests: an UPDATE of the attempt's claim row that only matches when the claim has lapsed or
is the reviewer's own, or an INSERT that the primary key lets only one reviewer win. Two
reviewers asking for "the next attempt" at the same instant race for the same row; the loser's
write matches nothing and it moves on to the following attempt.

A claim decides who the queue offers an attempt to. It does not touch the review history and
changes no verdict rule: anyone allowed may still read and decide a claimed attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.services import audit_record
from proctoring.models import Attempt
from review import queue_walk
from review.models import ReviewClaim

CLAIM_TAKEN_OVER = "claim.take_over"
# _take's one statement (PostgreSQL and SQLite both have ON CONFLICT ... WHERE and RETURNING).
# The claim: one conditional upsert whose rows come from `{rows}` (_take's VALUES, or the
# attempt the WITH's `picked` walked to on PostgreSQL: _claim_walked).
_CLAIM = (
    "INSERT INTO review_reviewclaim AS claim (attempt_id, reviewer_id, reviewer_name, claimed_at, "
    "expires_at, page) {rows} "
    "ON CONFLICT (attempt_id) DO UPDATE SET "
    "claimed_at = CASE WHEN claim.reviewer_id = excluded.reviewer_id "
    "AND claim.expires_at > excluded.claimed_at THEN claim.claimed_at "
    "ELSE excluded.claimed_at END, "
    "reviewer_id = excluded.reviewer_id, reviewer_name = excluded.reviewer_name, "
    "expires_at = excluded.expires_at "
    "WHERE claim.reviewer_id = excluded.reviewer_id OR claim.expires_at <= excluded.claimed_at "
    "RETURNING attempt_id"
)
_TAKE = _CLAIM.format(rows="VALUES (%s, %s, %s, %s, %s, '')")
_TAKE_PICKED = _CLAIM.format(rows="SELECT id, %s, %s, %s, %s, '' FROM picked")
# How many attempts "next" tries before it gives up (each is claimed by someone meanwhile).
NEXT_TRIES = 20


@dataclass(frozen=True)
class ClaimResult:
    """What claiming an attempt gave: `claim` is the attempt's live claim afterwards (the
    reviewer's own when `mine`, someone else's otherwise)."""

    claim: ReviewClaim | None
    mine: bool


def _expiry(now):
    return now + timedelta(minutes=settings.REVIEW_CLAIM_MINUTES)


def live_claims() -> QuerySet[ReviewClaim]:
    return ReviewClaim.objects.filter(expires_at__gt=timezone.now())


def claim_of(attempt: Attempt) -> ReviewClaim | None:
    """The attempt's live claim, if any."""
    return live_claims().filter(attempt=attempt).first()


def claim(
    user: AbstractBaseUser, attempt: Attempt, *, take_over: bool = False, page: str | None = None
) -> ClaimResult:
    """Claim `attempt` for `user` (or renew their claim) unless someone else holds a live
    claim on it. `take_over` replaces another reviewer's live claim (test admins, audited by
    the caller through take_over()). `page` names the page view that holds it now (a heartbeat
    leaves it as it is)."""
    now = timezone.now()
    values = {"reviewer": user, "reviewer_name": user.get_username(), "expires_at": _expiry(now)}
    if page is not None:
        values["page"] = page
    mine_or_lapsed = Q(reviewer_id=user.pk) | Q(expires_at__lte=now)
    rows = ReviewClaim.objects.filter(attempt=attempt)
    if not take_over:
        rows = rows.filter(mine_or_lapsed)
    # A renewal keeps the time the claim began; a lapsed or taken claim starts again.
    renewed = rows.filter(reviewer_id=user.pk, expires_at__gt=now).update(
        **{key: values[key] for key in ("expires_at", "page") if key in values}
    )
    if not renewed:
        updated = rows.update(claimed_at=now, **values)
        if not updated:
            try:
                with transaction.atomic():
                    ReviewClaim.objects.create(attempt=attempt, claimed_at=now, **values)
            except IntegrityError:
                pass  # someone else's claim, taken a moment ago
    current = claim_of(attempt)
    return ClaimResult(claim=current, mine=current is not None and current.reviewer_id == user.pk)


def take_over(user: AbstractBaseUser, attempt: Attempt) -> ClaimResult:
    """A test admin takes another reviewer's claim (they left for lunch with it): audited."""
    with transaction.atomic():
        before = claim_of(attempt)
        result = claim(user, attempt, take_over=True)
        if before is not None and before.reviewer_id != user.pk:
            audit_record(
                user=user,
                action=CLAIM_TAKEN_OVER,
                attempt=attempt,
                summary=f"Took over the review from {before.reviewer_name} "
                f"(claimed {before.claimed_at.isoformat()})",
                detail={"from": before.reviewer_name, "claimed_at": before.claimed_at.isoformat()},
            )
    return result


def release(user: AbstractBaseUser, attempt: Attempt, *, page: str | None = None) -> bool:
    """Give up `user`'s claim on `attempt` (they left it); only while `page`, when given, is
    the page view that holds it. Returns whether there was one."""
    rows = ReviewClaim.objects.filter(attempt=attempt, reviewer_id=user.pk)
    if page is not None:
        rows = rows.filter(page=page)
    return rows.delete()[0] > 0


def release_all(*attempts: Attempt) -> None:
    """The attempts were decided: nobody needs to hold them any more."""
    ReviewClaim.objects.filter(attempt__in=attempts).delete()


def _take(user: AbstractBaseUser, attempt_id: int) -> bool:
    """One statement: claim the attempt for `user` unless someone else holds a live claim on it
    (a renewal keeps the time the claim began). Whether `user` holds it afterwards. The row's
    primary key lets one reviewer's INSERT win; the others' conflicting write only updates a
    claim that is theirs or has lapsed, so two reviewers never both get it."""
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            _TAKE,
            [attempt_id, user.pk, user.get_username(), *map(adapt, (now, _expiry(now)))],
        )
        return cursor.fetchone() is not None


def claim_walked(user: AbstractBaseUser, walk: queue_walk.Walk) -> Attempt | None:
    """Claim the first attempt of one pass of the queue (review.queue_walk: in its order, from
    where the reviewer is) that nobody else has claimed, and return it; None when every one is
    taken or there is none. Safe when several reviewers ask at once: each gets a different
    attempt.

    On PostgreSQL the attempt is read with FOR NO KEY UPDATE SKIP LOCKED, so reviewers asking
    at the same instant each pass over the rows the others are claiming instead of all racing
    for the first one, and the claim is the same statement; the claim itself is still the
    conditional write (_take's), which alone decides who wins (SQLite, which has no row locks,
    walks, then relies on _take). Each try commits by itself, on PostgreSQL without waiting
    for the disk (queue_walk.COMMIT_WITHOUT_WAITING); a try that loses wrote nothing and moves
    on past that attempt, someone else's claim, which every other reviewer passes over too."""
    skipped: list[int] = []
    phases = iter(queue_walk.phases(walk))
    phase = next(phases)
    for _ in range(NEXT_TRIES):
        current = queue_walk.Walk(phase.passage, phase.after, (*walk.skip, *skipped), phase.tail)
        found = _claim_walked(user, current)
        if found is None:
            phase = next(phases, None)
            if phase is None:
                return None
            continue
        (pk, trust_score), won = found
        if won:
            return queue_walk.placed(pk, trust_score)
        skipped.append(pk)
    return None


def _claim_walked(user: AbstractBaseUser, walk: queue_walk.Walk):
    """((id, trust score), whether `user` holds its claim now) of the first attempt of `walk`,
    or None when the walk finds none."""
    together = connection.vendor == "postgresql"  # a data-modifying WITH, and row locks
    sql, params = queue_walk.walk(user, walk, lock=together)
    with connection.cursor() as cursor:
        if together:
            now = timezone.now()
            adapt = connection.ops.adapt_datetimefield_value
            queue_walk.execute(
                cursor,
                user,
                f"WITH picked AS ({sql}), taken AS ({_TAKE_PICKED}) "  # noqa: S608 (model metadata)
                "SELECT id, trust_score, EXISTS (SELECT 1 FROM taken), "
                f"{queue_walk.COMMIT_WITHOUT_WAITING} FROM picked",
                [*params, user.pk, user.get_username(), adapt(now), adapt(_expiry(now))],
            )
            row = cursor.fetchone()
            return None if row is None else ((row[0], row[1]), bool(row[2]))
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return (row[0], row[1]), _take(user, row[0])
