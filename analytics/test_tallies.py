"""One test's page read from the tallies the database keeps (proctoring.tally_models): its
figures, its trust chart and the cost of a review threshold, from the test's hundred trust bands
and short reads of the (lookup_key, trust_score) index where a threshold falls inside a band.

Counted from the rows, each of these read every attempt of the test on every request: about a
second of a test of 200,000 attempts (benchmarks/README.md). tests/test_test_page_tallies.py
checks each equals the row-counting path's (analytics.figures, dashboard.selectors.charts).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from analytics.figures import Figures
from analytics.tallied_figures import tallied_test_figures
from dashboard.selectors.charts import TRUST_BUCKETS, Chart, trust_chart
from proctoring.models import Attempt
from proctoring.tallies import bucket_of, bucket_start
from proctoring.tally_models import AttemptTally

PERCENT = 100  # tally bands per unit of trust score


@dataclass(frozen=True)
class OneTest:
    """The scope of exactly one test (access.scopes.Scope's `q`): its key taken as it is, never
    as a pattern, since a test's key may hold any character."""

    lookup_key: str
    unrestricted = False

    def q(self, lookup_key: str = "lookup_key") -> Q:
        return Q(**{lookup_key: self.lookup_key})


def figures_of(lookup_key: str) -> Figures | None:
    """analytics.figures.figures_of from the tallies: None when the test has no attempt."""
    found = tallied_test_figures(OneTest(lookup_key))
    return found[0] if found else None


def bands(lookup_key: str) -> list[tuple[int, int]]:
    """[(band, scored attempts)] of the test, lowest band first (one query)."""
    rows = AttemptTally.objects.filter(lookup_key=lookup_key, bucket__gte=0, attempts__gt=0)
    return list(rows.order_by("bucket").values_list("bucket", "attempts"))


def trust_distribution(scored_bands: list[tuple[int, int]], threshold: float) -> Chart:
    """The test's scored attempts per 5 % band (five tally bands each) with its threshold."""
    values = [0] * TRUST_BUCKETS
    per = PERCENT // TRUST_BUCKETS
    for band, n in scored_bands:
        values[min(band // per, TRUST_BUCKETS - 1)] += n  # a score of exactly 1.0 joins the top
    return trust_chart(values, threshold)


def scored_under(
    lookup_key: str, scored_bands: list[tuple[int, int]], thresholds: list[float]
) -> list[int]:
    """For each threshold, the test's scored attempts under it: its bands wholly under it from
    the tally, plus those read from the band it falls in (one query for all of them)."""
    partial = [
        Q(trust_score__gte=bucket_start(bucket_of(threshold)), trust_score__lt=threshold)
        for threshold in thresholds
    ]
    either = Q(pk__in=[])
    for condition in partial:
        either |= condition
    read = Attempt.objects.filter(either, lookup_key=lookup_key).aggregate(
        **{str(i): Count("pk", filter=condition) for i, condition in enumerate(partial)}
    )
    return [
        sum(n for band, n in scored_bands if band < bucket_of(threshold)) + read[str(i)]
        for i, threshold in enumerate(thresholds)
    ]
