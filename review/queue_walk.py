"""The statement "next" runs to find, and on PostgreSQL also claim, the next attempt of the
review queue: written once as SQL from the models' tables, with the user's scope compiled once
per scope, instead of the queue being built and compiled with the ORM on every press.

Twenty reviewers pressing "next" at once queue behind each other on the web server's cores, so
the CPU of one press sets everyone's wait (benchmarks/claims.py). Building the queue with
the ORM (two scope filters, the needs-review join, the per-test thresholds as a condition read
by a query of their own, the assignment and claim subqueries, the place after the current
attempt) and compiling it was the largest part of a press. Here the thresholds are read in the
statement, the subqueries are kept from being planned as joins (planning, not running, was most
of the statement's time on the database), and on PostgreSQL the walk and the claim are one
statement (a data-modifying WITH), so a press that wins its first try makes one round trip;
there it is also planned once per connection (`execute`).

The rows are those of dashboard.selectors.review_queue in the order of
review.selectors.queue_in_order (tests/test_review_claims.py compares them): the queue's
conditions are written out again here, so a change to review.selectors.needs_review (or to
needs_review_joined, its join form) must be made here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.utils import timezone

from access.permissions import REVIEW_ATTEMPTS, VIEW_ATTEMPTS
from access.scopes import Scope, scope_of
from proctoring import prepared
from proctoring.models import Attempt, EvidenceStatus
from review.models import PerTestThreshold, ReviewAssignment, ReviewClaim, ReviewState, Verdict

# Which of the queue's attempts a pass offers: those assigned to the reviewer, or those
# assigned to no one else (review.assignments).
MINE, OPEN = "mine", "open"
# In the result of a statement of "next" on PostgreSQL, which runs on its own (autocommit):
# its commit does not wait for the disk. Only claims move, and a claim is a hint that lapses
# by itself (REVIEW_CLAIM_MINUTES): were the database server to crash in the fraction of a
# second before the flush, the claim would be lost (another reviewer could be offered that
# attempt), never half-written; verdicts and the audit log keep waiting for the disk. Waiting
# cost a flush of the write-ahead log per press, one after the other when reviewers press at
# once.
COMMIT_WITHOUT_WAITING = "set_config('synchronous_commit', 'off', true)"


@dataclass(frozen=True)
class Walk:
    """One pass of "next": `passage` MINE or OPEN, from after `after` ((trust score, id) of
    the attempt the reviewer leaves, or None from the top), never one of `skip`; with `tail`,
    only the unscored attempts at the end of the queue (see phases)."""

    passage: str
    after: tuple[float | None, int] | None = None
    skip: tuple[int, ...] = ()
    tail: bool = False


def phases(walk: Walk) -> list[Walk]:
    """`walk` as the statements that walk it. After a scored attempt, the scored attempts past
    it are one range of the (trust_score, id) index, and the unscored ones (last in the queue)
    another: one condition for both (an OR) cannot start the index scan at the reviewer's
    place, so every press would read the whole queue before it, however deep the reviewer is."""
    if walk.after is None or walk.after[0] is None:
        return [walk]
    return [walk, Walk(walk.passage, walk.after, walk.skip, tail=True)]


def _place(walk: Walk) -> str:
    """Which condition places `walk` after the reviewer's attempt ("" from the top)."""
    if walk.after is None:
        return ""
    if walk.tail:
        return "tail"
    return "unscored" if walk.after[0] is None else "scored"


@lru_cache(maxsize=64)
def _scope_sql(see: Scope, review: Scope) -> tuple[str, tuple]:
    """The condition of both scopes on the attempts table ("" when neither limits it),
    compiled by the ORM once per pair of scopes."""
    condition = see.q() & review.q()
    if not condition:
        return "", ()
    query = Attempt.objects.filter(condition).query
    try:
        sql, params = query.get_compiler(connection=connection).compile(query.where)
    except EmptyResultSet:  # no test at all
        return "1 = 0", ()
    return sql, tuple(params)


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "attempt": quote(Attempt._meta.db_table),
        "state": quote(ReviewState._meta.db_table),
        "threshold": quote(PerTestThreshold._meta.db_table),
        "assignment": quote(ReviewAssignment._meta.db_table),
        "claim": quote(ReviewClaim._meta.db_table),
    }


@lru_cache(maxsize=256)
def _walk_sql(
    vendor: str, scope: str, passage: str, after: str, skip: int, limit: bool, lock: bool
) -> str:
    """The SELECT of one pass (its parameters in the order of _walk_params)."""
    t = _tables()
    attempt = t["attempt"]
    # Subqueries the planner leaves as they are (OFFSET stops it turning them into joins):
    # the walk stops at the first row anyway, and planning fewer joins is most of the
    # statement's time on the database.
    fence = " LIMIT 1 OFFSET 0"
    threshold = (
        f"(SELECT th.threshold FROM {t['threshold']} th"  # noqa: S608 (model metadata)
        f" WHERE th.lookup_key = {attempt}.lookup_key{fence})"
    )
    changed = (
        f"(rs.seen_trust_score < {attempt}.trust_score"
        f" OR rs.seen_trust_score > {attempt}.trust_score"
        f" OR rs.seen_violation_count < {attempt}.violation_count"
        f" OR rs.seen_violation_count > {attempt}.violation_count"
        f" OR (rs.seen_trust_score IS NULL AND {attempt}.trust_score IS NOT NULL)"
        f" OR (rs.seen_trust_score IS NOT NULL AND {attempt}.trust_score IS NULL))"
    )
    assigned = f"SELECT 1 FROM {t['assignment']} ra WHERE ra.attempt_id = {attempt}.id"  # noqa: S608 (model metadata)
    where = [
        f"{attempt}.submitted_at IS NOT NULL",
        f"{attempt}.evidence_status = %s",
        # needs_review_joined: Suspicious, or below the test's threshold and either never
        # reviewed or re-scored since its verdict.
        f"(rs.verdict = %s OR ({attempt}.trust_score < COALESCE({threshold}, %s)"
        f" AND (rs.attempt_id IS NULL OR {changed})))",
        f"EXISTS ({assigned} AND ra.reviewer_id = %s{fence})"
        if passage == MINE
        else f"NOT EXISTS ({assigned} AND ra.reviewer_id <> %s{fence})",
        f"NOT EXISTS (SELECT 1 FROM {t['claim']} rc WHERE rc.attempt_id = {attempt}.id"  # noqa: S608 (model metadata)
        f" AND rc.expires_at > %s AND rc.reviewer_id <> %s{fence})",
    ]
    if scope:
        where.append(f"({scope})")
    # After the reviewer's place in the queue's order (review.selectors.queue_in_order), as
    # ranges of the (trust_score, id) index: scored attempts past it, then the unscored tail.
    if after == "scored":
        where.append(f"({attempt}.trust_score, {attempt}.id) > (%s, %s)")
    elif after == "tail":
        where.append(f"{attempt}.trust_score IS NULL")
    elif after == "unscored":
        where.append(f"{attempt}.trust_score IS NULL AND {attempt}.id > %s")
    if skip:
        where.append(f"{attempt}.id NOT IN ({', '.join(['%s'] * skip)})")
    if connection.features.supports_order_by_nulls_modifier:
        order = f"{attempt}.trust_score ASC NULLS LAST, {attempt}.id ASC"
    else:
        order = f"{attempt}.trust_score IS NULL, {attempt}.trust_score ASC, {attempt}.id ASC"
    return (
        f"SELECT {attempt}.id, {attempt}.trust_score FROM {attempt}"  # noqa: S608 (model metadata)
        f" LEFT JOIN {t['state']} rs ON rs.attempt_id = {attempt}.id"
        f" WHERE {' AND '.join(where)} ORDER BY {order}"
        + (" LIMIT 1" if limit else "")
        + (f" FOR NO KEY UPDATE OF {attempt} SKIP LOCKED" if lock else "")
    )


def _walk_params(user: AbstractBaseUser, walk: Walk, scope_params: tuple, now) -> list:
    threshold = settings.REVIEW_THRESHOLD
    params = [
        EvidenceStatus.PROCESSED.value,
        Verdict.SUSPICIOUS.value,
        threshold,
        user.pk,
        connection.ops.adapt_datetimefield_value(now),
        user.pk,
        *scope_params,
    ]
    place = _place(walk)
    if place == "scored":
        params += list(walk.after)
    elif place == "unscored":
        params.append(walk.after[1])
    return params + list(walk.skip)


def walk(user: AbstractBaseUser, walk: Walk, *, limit: bool = True, lock: bool = False):
    """(sql, params) of the SELECT of one of phases(`walk`) for `user`: (id, trust_score) rows
    in the queue's order, the first only with `limit`, read FOR NO KEY UPDATE SKIP LOCKED with
    `lock`."""
    scope, scope_params = _scope_sql(scope_of(user, VIEW_ATTEMPTS), scope_of(user, REVIEW_ATTEMPTS))
    sql = _walk_sql(
        connection.vendor,
        scope,
        walk.passage,
        _place(walk),
        len(walk.skip),
        limit,
        lock,
    )
    return sql, _walk_params(user, walk, scope_params, timezone.now())


def execute(cursor, user: AbstractBaseUser, sql: str, params: list) -> None:
    """Run one of the statements built here for `user`: on PostgreSQL planned once per
    connection (proctoring.prepared) unless the user's scope limits the walk by test patterns,
    whose LIKE is best planned for its values each time."""
    _, scope_params = _scope_sql(scope_of(user, VIEW_ATTEMPTS), scope_of(user, REVIEW_ATTEMPTS))
    if scope_params:
        cursor.execute(sql, params)
    else:
        prepared.execute(cursor, sql, params)


def _assigned_sql() -> str:
    """Whether any attempt is assigned to the reviewer (assignments.has_assignments)."""
    return f"EXISTS (SELECT 1 FROM {_tables()['assignment']} WHERE reviewer_id = %s)"  # noqa: S608 (model metadata)


@lru_cache(maxsize=64)
def _leave_sql(vendor: str, scope: str) -> tuple[str, str]:
    """(read, release) of leave(): on PostgreSQL one statement that does both."""
    t = _tables()
    attempt = t["attempt"]
    place = f"SELECT {attempt}.id, {attempt}.trust_score FROM {attempt} WHERE {attempt}.id = %s"  # noqa: S608 (model metadata)
    if scope:
        place += f" AND ({scope})"
    assigned = _assigned_sql()
    release = f"DELETE FROM {t['claim']} WHERE attempt_id = %s AND reviewer_id = %s"  # noqa: S608 (model metadata)
    if vendor == "postgresql":
        return (
            f"WITH place AS ({place}), gone AS (DELETE FROM {t['claim']} WHERE attempt_id IN "  # noqa: S608 (model metadata)
            "(SELECT id FROM place) AND reviewer_id = %s) "
            f"SELECT place.id, place.trust_score, {assigned}, {COMMIT_WITHOUT_WAITING} "
            "FROM (SELECT 1) AS one LEFT JOIN place ON TRUE",
            "",
        )
    return (
        f"SELECT place.id, place.trust_score, {assigned} FROM (SELECT 1) AS one "  # noqa: S608 (model metadata)
        f"LEFT JOIN ({place}) AS place ON 1 = 1",
        release,
    )


def leave(user: AbstractBaseUser, attempt_id: int | None) -> tuple[Attempt | None, bool]:
    """What "next" reads before it walks, in one statement: the attempt `attempt_id` the
    reviewer leaves (None when there is none, or when `user` may not review it), its claim by
    `user` released, and whether any attempt is assigned to `user` (review.assignments)."""
    if attempt_id is None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {_assigned_sql()}", [user.pk])  # noqa: S608 (model metadata)
            return None, bool(cursor.fetchone()[0])
    scope, scope_params = _scope_sql(scope_of(user, VIEW_ATTEMPTS), scope_of(user, REVIEW_ATTEMPTS))
    read, release = _leave_sql(connection.vendor, scope)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            execute(cursor, user, read, [attempt_id, *scope_params, user.pk, user.pk])
        else:
            cursor.execute(read, [user.pk, attempt_id, *scope_params])
        pk, trust_score, assigned = cursor.fetchone()[:3]
        if pk is not None and release:
            cursor.execute(release, [pk, user.pk])
    return (None if pk is None else placed(pk, trust_score)), bool(assigned)


def placed(pk: int, trust_score: float | None) -> Attempt:
    """The attempt as "next" read it: only its id and trust score loaded, the rest deferred."""
    return Attempt.from_db(connection.alias, ["id", "trust_score"], [pk, trust_score])
