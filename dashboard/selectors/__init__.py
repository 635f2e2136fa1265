"""Read queries of the dashboard pages: lists, headline figures, one attempt's report.

The pages' read layer: this module, and `charts` beside it for the data each chart draws.

Each function returns plain values or querysets and runs a fixed number of queries, whatever
the amount of data, so the pages stay flat under load (tests count the queries).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q, QuerySet, Value

from access.permissions import REVIEW_ATTEMPTS
from access.scopes import scope_of, visible_attempts
from dashboard.columns import LIST_FIELDS
from proctoring.models import Attempt, EvidenceRecord, EvidenceStatus, UsageSnapshot
from proctoring.selectors import distinct_values, distinct_values_of
from review.models import ReviewState
from review.selectors import review_queue as needs_review_queue
from review.selectors import with_review
from review.thresholds import below_threshold


def attempt_list(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Attempt]:
    """The attempts `user` may see (access.scopes) with only the columns a list needs, and
    their current review (one join: review.selectors.with_review); filter and sort it further.
    """
    return visible_attempts(user, queryset=_list_columns().all())


@cache
def _list_columns() -> QuerySet[Attempt]:
    """The list's columns and review subqueries, built once per process: resolving the five
    subqueries of with_review cost about 2 ms of CPU on every page of the list
    (benchmarks/pages.py). Never evaluated itself: each caller gets a clone (`.all()`)."""
    return with_review(Attempt.objects.only(*LIST_FIELDS))


def review_queue(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Attempt]:
    """The needs-review queue as `user` works it: every page, "next" and the report's queue
    steps select the queue here and nowhere else, so what a user may see is filtered once
    (the attempts of the tests on which they may review: access.scopes)."""
    return needs_review_queue(visible_attempts(user, REVIEW_ATTEMPTS, attempt_list(user)))


def lookup_keys(user: AbstractBaseUser | AnonymousUser) -> list[str]:
    """The tests `user` may see, for the test filter."""
    scope = scope_of(user)
    if scope.unrestricted:
        return distinct_values(Attempt, "lookup_key")
    keys = visible_attempts(user).order_by("lookup_key").values_list("lookup_key", flat=True)
    return list(keys.distinct())


def reviewers(user: AbstractBaseUser | AnonymousUser) -> list[str]:
    """The user names of everyone who gave a current verdict (on the attempts `user` may see),
    for the reviewer filter."""
    scope = scope_of(user)
    if scope.unrestricted:
        return distinct_values(ReviewState, "reviewer_name")
    names = ReviewState.objects.filter(scope.q("attempt__lookup_key")).exclude(reviewer_name="")
    return list(names.order_by("reviewer_name").values_list("reviewer_name", flat=True).distinct())


def evidence_labels() -> list[str]:
    return distinct_values(EvidenceRecord, "label")


def evidence_statuses() -> list[str]:
    """The statuses AutoProctor documents, plus any other value it has actually sent."""
    known = [value for value, _ in EvidenceStatus.choices]
    return known + [
        value for value in distinct_values(Attempt, "evidence_status") if value not in known
    ]


def filter_choices(user: AbstractBaseUser | AnonymousUser) -> dict[str, list[str]]:
    """The attempts list's filter choices: `lookup_keys`, `reviewers`, `labels` and `statuses`
    as the functions above give them, in one query (two for a user limited to some tests,
    whose tests and reviewers are read among their attempts)."""
    scope = scope_of(user)
    columns = [(EvidenceRecord, "label"), (Attempt, "evidence_status")]
    if scope.unrestricted:
        columns += [(Attempt, "lookup_key"), (ReviewState, "reviewer_name")]
    labels, statuses, *others = distinct_values_of(*columns)
    if not scope.unrestricted:
        others = [[], []]
        tests = visible_attempts(user).annotate(kind=Value(0), value=F("lookup_key"))
        names = (
            ReviewState.objects.filter(scope.q("attempt__lookup_key"))
            .exclude(reviewer_name="")
            .annotate(kind=Value(1), value=F("reviewer_name"))
        )
        both = [
            choices.values_list("kind", "value").order_by().distinct() for choices in (tests, names)
        ]
        for kind, value in both[0].union(both[1], all=True).order_by("kind", "value"):
            others[kind].append(value)
    known = [value for value, _ in EvidenceStatus.choices]
    return {
        "lookup_keys": others[0],
        "reviewers": others[1],
        "labels": labels,
        "statuses": known + [value for value in statuses if value not in known],
    }


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def median_trust_score(queryset: QuerySet[Attempt] | None = None) -> float | None:
    """The median of the non-null trust scores of `queryset` (all attempts), or None.

    PostgreSQL computes it in one aggregate (percentile_cont). Elsewhere it is read with an
    ordered OFFSET query, which the trust-score index serves: count the scores, then read the
    one or two middle values.
    """
    scored = (queryset if queryset is not None else Attempt.objects.all()).filter(
        trust_score__isnull=False
    )
    if connection.vendor == "postgresql":
        return scored.aggregate(median=PercentileCont("trust_score", 0.5))["median"]
    total = scored.count()
    if total == 0:
        return None
    middle = scored.order_by("trust_score").values_list("trust_score", flat=True)[
        (total - 1) // 2 : total // 2 + 1
    ]
    values = list(middle)
    return sum(values) / len(values)


def overview_figures(*, attempts: QuerySet[Attempt] | None = None) -> dict[str, Any]:
    """The overview's headline figures counted from the rows of `attempts` (all by default):
    three queries reading every row. The overview reads them from the tallies instead
    (dashboard.selectors.tallied); this is what those must equal (tests) and the benchmark's
    reference."""
    threshold = settings.REVIEW_THRESHOLD
    attempts = Attempt.objects.all() if attempts is None else attempts
    counts = attempts.aggregate(
        attempts=Count("pk"),
        submitted=Count("pk", filter=Q(submitted_at__isnull=False)),
        under_threshold=Count("pk", filter=below_threshold()),
        evidence_processing=Count("pk", filter=Q(evidence_status=EvidenceStatus.PROCESSING)),
    )
    counts["median_trust_score"] = median_trust_score(attempts)
    counts["review_threshold"] = threshold
    return counts


def latest_usage() -> UsageSnapshot | None:
    """The most recent UsageSnapshot, or None before the worker has recorded one."""
    return UsageSnapshot.objects.order_by("-taken_at", "-pk").first()


def attempt_timeline(attempt: Attempt) -> list[EvidenceRecord]:
    """Every evidence record of `attempt` in the order things happened."""
    return list(
        attempt.evidence_records.order_by("occurred_at", "recorded_at", "device", "position", "pk")
    )


def usage_by_lookup_key(snapshot: UsageSnapshot) -> list[tuple[str, Any, Any]]:
    """The snapshot's per-test usage as rows of (lookup_key, attempts, credits), most credits
    first. The JSON is kept as AutoProctor sent it, so malformed items are skipped here."""
    rows = []
    for item in snapshot.usage_by_lookup_key or []:
        if not isinstance(item, dict):
            continue
        rows.append(
            {
                "lookup_key": str(item.get("lookup_key") or ""),
                "attempts": item.get("attempts"),
                "credits": item.get("credits"),
            }
        )
    rows.sort(
        key=lambda row: (
            -(row["credits"] if isinstance(row["credits"], int) else -1),
            row["lookup_key"],
        )
    )
    return rows
