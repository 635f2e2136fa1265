"""The tests index's figures over every date, read from the tallies the database keeps.

Counted from the rows (analytics.figures.test_figures), the index reads every attempt and sorts
them all for the medians: seconds at a million attempts. Over every date the tallies
(proctoring.tally_models, kept by triggers) already hold each test's attempts, submitted and
scored attempts by 1 % trust band; the rest is read exactly where it is small: the attempts
under their test's threshold and the reviewed ones (one grouped query each, through the trust
and review indexes), each test's median from the one or two bands holding its middle, and its
first and last attempt from the (lookup_key, started_at) index, two probes per test in one
query. tests/test_tests_index_tallies.py checks every figure equals the row-counting path's.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from access.scopes import Scope
from analytics.figures import Figures, credits_by_test
from dashboard.selectors.tallied import middle_bands
from proctoring.models import Attempt, EvidenceStatus
from proctoring.tallies import bucket_start
from proctoring.tally_models import AttemptTally
from review.models import Verdict
from review.selectors import needs_review_joined
from review.thresholds import below_threshold, custom_thresholds, default_threshold

SENT = Q(submitted_at__isnull=False) & Q(evidence_status=EvidenceStatus.PROCESSED)


def _tallies(scope: Scope) -> dict[str, dict]:
    """{test: {attempts, submitted, scored, bands}} from the scope's tally rows (one query)."""
    tests: dict[str, dict] = defaultdict(lambda: {"attempts": 0, "submitted": 0, "bands": []})
    rows = (
        AttemptTally.objects.filter(scope.q(), attempts__gt=0)
        .exclude(lookup_key="")
        .order_by("lookup_key", "bucket")
        .values_list("lookup_key", "bucket", "attempts", "submitted")
    )
    for key, band, attempts, submitted in rows:
        test = tests[key]
        test["attempts"] += attempts
        test["submitted"] += submitted
        if band >= 0:
            test["bands"].append((band, attempts))
    return tests


def _below(scope: Scope, custom: dict[str, float]) -> dict[str, tuple[int, int]]:
    """{test: (attempts under its threshold, of those the ones needing review)}: only the rows
    under the thresholds are read."""
    rows = (
        Attempt.objects.filter(scope.q(), below_threshold(custom))
        .exclude(lookup_key="")
        .order_by()
        .values_list("lookup_key")
        .annotate(n=Count("pk"), queued=Count("pk", filter=needs_review_joined(custom) & SENT))
    )
    return {key: (n, queued) for key, n, queued in rows}


def _reviewed(scope: Scope, custom: dict[str, float]) -> dict[str, tuple[int, int, int, int]]:
    """{test: (reviewed, confirmed, cleared, suspicious ones at or over the threshold that need
    review)}, read from the review states joined to their attempts."""
    rows = (
        Attempt.objects.filter(scope.q(), review__isnull=False)
        .exclude(lookup_key="")
        .order_by()
        .values_list("lookup_key")
        .annotate(
            reviewed=Count("pk"),
            confirmed=Count("pk", filter=Q(review__verdict=Verdict.VIOLATION)),
            cleared=Count("pk", filter=Q(review__verdict=Verdict.CLEARED)),
            over=Count(
                "pk",
                filter=Q(review__verdict=Verdict.SUSPICIOUS) & SENT & ~below_threshold(custom),
            ),
        )
    )
    return {key: tuple(counts) for key, *counts in rows}


def _medians(tests: dict[str, dict]) -> dict[str, float]:
    """Each test's median trust score as percentile_cont(0.5) gives it: the scores of the one
    or two bands holding its middle, read through the (lookup_key, trust_score) index."""
    places, condition = {}, Q(pk__in=[])
    for key, test in tests.items():
        found = middle_bands(test["bands"])
        if found is None:
            continue
        first, last, skip, wanted = found
        places[key] = (skip, wanted)
        condition |= Q(
            lookup_key=key,
            trust_score__gte=bucket_start(first),
            trust_score__lt=bucket_start(last + 1),
        )
    if not places:
        return {}
    scores = defaultdict(list)
    rows = Attempt.objects.filter(condition).order_by().values_list("lookup_key", "trust_score")
    for key, score in rows:
        scores[key].append(score)
    medians = {}
    for key, (skip, wanted) in places.items():
        values = sorted(scores[key])[skip : skip + wanted]
        medians[key] = values[0] + (values[-1] - values[0]) * 0.5
    return medians


def _moment(value) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else parse_datetime(value)  # SQLite: text
    return timezone.make_aware(moment, UTC) if timezone.is_naive(moment) else moment


def _first_and_last(keys: list[str]) -> dict[str, tuple]:
    """{test: (first, last attempt started)}: two probes of the (lookup_key, started_at) index
    per test, in one query."""
    if not keys:
        return {}
    table = Attempt._meta.db_table
    if connection.vendor == "postgresql":
        source, parameter = "SELECT unnest(%s::text[]) AS k", keys
    else:
        source, parameter = "SELECT value AS k FROM json_each(%s)", json.dumps(keys)
    probe = (
        f"(SELECT started_at FROM {table} WHERE lookup_key = t.k AND started_at IS NOT NULL "  # noqa: S608 (the table's name)
        "ORDER BY started_at {} LIMIT 1)"
    )
    sql = f"SELECT t.k, {probe.format('ASC')}, {probe.format('DESC')} FROM ({source}) t"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [parameter])
        return {key: (_moment(first), _moment(last)) for key, first, last in cursor.fetchall()}


def tallied_test_figures(scope: Scope) -> list[Figures]:
    """test_figures() of every attempt the scope reaches, equal figure for figure, in a fixed
    number of queries whatever the number of tests or attempts."""
    custom = custom_thresholds()
    default = default_threshold()
    tests = _tallies(scope)
    below = _below(scope, custom)
    reviewed = _reviewed(scope, custom)
    medians = _medians(tests)
    moments = _first_and_last(sorted(tests))
    credits = credits_by_test()
    figures = []
    for key, test in tests.items():
        under, queued = below.get(key, (0, 0))
        seen, confirmed, cleared, over = reviewed.get(key, (0, 0, 0, 0))
        figures.append(
            Figures(
                lookup_key=key,
                attempts=test["attempts"],
                submitted=test["submitted"],
                scored=sum(n for _, n in test["bands"]),
                below_threshold=under,
                needs_review=queued + over,
                reviewed=seen,
                confirmed=confirmed,
                cleared=cleared,
                first_attempt=moments[key][0],
                last_attempt=moments[key][1],
                threshold=custom.get(key, default),
                own_threshold=key in custom,
                median_trust=medians.get(key),
                credits=credits.get(key),
            )
        )
    return figures
