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

# ruff: noqa: S608 (the raw SQL names the attempts table only; every value is a parameter)

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
from dashboard.selectors.tallied import middle_bands, threshold_bands
from proctoring.models import Attempt, EvidenceStatus
from proctoring.tallies import bucket_of, bucket_start
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


def _under(scope: Scope, custom: dict[str, float], tests: dict[str, dict]) -> dict[str, int]:
    """{test: scored attempts under its threshold}: its bands wholly under it from the tally,
    plus the attempts of the band the threshold falls in, read (one grouped query)."""
    default = default_threshold()
    under = {}
    for key, test in tests.items():
        top = bucket_of(custom.get(key, default))
        under[key] = sum(n for band, n in test["bands"] if band < top)
    _, partial_band = threshold_bands(custom, default)
    rows = (
        Attempt.objects.filter(scope.q(), partial_band)
        .exclude(lookup_key="")
        .order_by()
        .values_list("lookup_key")
        .annotate(n=Count("pk"))
    )
    for key, n in rows:
        under[key] = under.get(key, 0) + n
    return under


def _unsent_under(scope: Scope, custom: dict[str, float]) -> dict[str, int]:
    """{test: attempts under its threshold not yet in the review queue's reach (not submitted,
    or evidence not processed)}: few, found through the unsubmitted and evidence indexes."""
    unsent = (
        Q(submitted_at__isnull=True)
        | Q(evidence_status__lt=EvidenceStatus.PROCESSED)
        | Q(evidence_status__gt=EvidenceStatus.PROCESSED)
    )
    rows = (
        Attempt.objects.filter(scope.q(), unsent)
        .filter(below_threshold(custom))
        .exclude(lookup_key="")
        .order_by()
        .values_list("lookup_key")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def _reviewed(scope: Scope, custom: dict[str, float]) -> dict[str, tuple[int, ...]]:
    """{test: (reviewed, confirmed, cleared, reviewed and sent under the threshold, of those the
    ones needing review, the suspicious sent ones at or over it)}, read from the review states
    joined to their attempts."""
    below = below_threshold(custom)
    rows = (
        Attempt.objects.filter(scope.q(), review__isnull=False)
        .exclude(lookup_key="")
        .order_by()
        .values_list("lookup_key")
        .annotate(
            reviewed=Count("pk"),
            confirmed=Count("pk", filter=Q(review__verdict=Verdict.VIOLATION)),
            cleared=Count("pk", filter=Q(review__verdict=Verdict.CLEARED)),
            under=Count("pk", filter=SENT & below),
            queued=Count("pk", filter=SENT & below & needs_review_joined(custom)),
            over=Count("pk", filter=Q(review__verdict=Verdict.SUSPICIOUS) & SENT & ~below),
        )
    )
    return {key: tuple(counts) for key, *counts in rows}


def _band_scores(tests: dict[str, dict]) -> dict[str, tuple[float, int, int, float]]:
    """{test: (the start of the band holding its first middle score, how many of the band's
    scores come before it, how many middle scores, the end of the band of the last)}."""
    places = {}
    for key, test in tests.items():
        found = middle_bands(test["bands"])
        if found is not None:
            first, last, skip, wanted = found
            places[key] = (bucket_start(first), skip, wanted, bucket_start(last + 1))
    return places


def _medians(tests: dict[str, dict]) -> dict[str, float]:
    """Each test's median trust score as percentile_cont(0.5) gives it: from the one or two
    bands holding its middle, through the (lookup_key, trust_score) index."""
    places = _band_scores(tests)
    if not places:
        return {}
    scores = defaultdict(list)
    if connection.vendor == "postgresql":
        # Per test, the index read from its band's start, the middle scores only (one query).
        keys = sorted(places)
        columns = [keys, *([places[key][i] for key in keys] for i in range(3))]
        table = Attempt._meta.db_table
        sql = (
            "SELECT t.k, s.trust_score FROM unnest(%s::text[], %s::float8[], %s::int[], "
            "%s::int[]) AS t(k, low, skip, wanted) CROSS JOIN LATERAL (SELECT trust_score "
            f"FROM {table} WHERE lookup_key = t.k AND trust_score >= t.low "
            "ORDER BY trust_score LIMIT t.wanted OFFSET t.skip) s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, columns)
            for key, score in cursor.fetchall():
                scores[key].append(score)
        picked = {key: sorted(values) for key, values in scores.items()}
    else:
        # SQLite's LIMIT cannot follow a row: the middle bands' scores, picked here.
        condition = Q(pk__in=[])
        for key, (low, _, _, high) in places.items():
            condition |= Q(lookup_key=key, trust_score__gte=low, trust_score__lt=high)
        rows = Attempt.objects.filter(condition).order_by().values_list("lookup_key", "trust_score")
        for key, score in rows:
            scores[key].append(score)
        picked = {
            key: sorted(scores[key])[skip : skip + wanted]
            for key, (_, skip, wanted, _) in places.items()
        }
    return {key: values[0] + (values[-1] - values[0]) * 0.5 for key, values in picked.items()}


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
        f"(SELECT started_at FROM {table} WHERE lookup_key = t.k AND started_at IS NOT NULL "
        "ORDER BY started_at {} LIMIT 1)"
    )
    sql = f"SELECT t.k, {probe.format('ASC')}, {probe.format('DESC')} FROM ({source}) t"
    with connection.cursor() as cursor:
        cursor.execute(sql, [parameter])
        return {key: (_moment(first), _moment(last)) for key, first, last in cursor.fetchall()}


def tallied_test_figures(scope: Scope) -> list[Figures]:
    """test_figures() of every attempt the scope reaches, equal figure for figure, in a fixed
    number of queries whatever the number of tests or attempts."""
    custom = custom_thresholds()
    default = default_threshold()
    tests = _tallies(scope)
    under = _under(scope, custom, tests)
    unsent = _unsent_under(scope, custom)
    reviewed = _reviewed(scope, custom)
    medians = _medians(tests)
    moments = _first_and_last(sorted(tests))
    credits = credits_by_test()
    figures = []
    for key, test in tests.items():
        seen, confirmed, cleared, seen_under, queued, over = reviewed.get(key, (0,) * 6)
        # Needs review: the sent attempts under the threshold, less the reviewed ones among them
        # that do not (their verdict stands), plus the suspicious ones at or over it.
        sent_under = under[key] - unsent.get(key, 0)
        figures.append(
            Figures(
                lookup_key=key,
                attempts=test["attempts"],
                submitted=test["submitted"],
                scored=sum(n for _, n in test["bands"]),
                below_threshold=under[key],
                needs_review=sent_under - seen_under + queued + over,
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
