"""The review threshold of each test: the one place that decides under which trust score an
attempt is worth a human review.

A test admin may give a test (a lookup key) its own threshold (PerTestThreshold); every other
test uses settings.REVIEW_THRESHOLD. The queue (review.selectors.needs_review), the attempts
list's colours and "below the threshold" filter, and so the CSV of a filtered list, all ask
here. Per-test thresholds are few (one per test at most), so each read loads them all in one
query and turns them into a condition on the attempts query: no query per row.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import FloatField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from audit.services import audit_record
from review.models import PerTestThreshold

THRESHOLD_SET = "threshold.set"
THRESHOLD_CLEAR = "threshold.clear"


def default_threshold() -> float:
    return settings.REVIEW_THRESHOLD


def custom_thresholds() -> dict[str, float]:
    """{lookup_key: threshold} of the tests that have their own (one query)."""
    return dict(PerTestThreshold.objects.values_list("lookup_key", "threshold"))


def threshold_for(lookup_key: str) -> float:
    """The review threshold of one test (one query)."""
    own = (
        PerTestThreshold.objects.filter(lookup_key=lookup_key)
        .values_list("threshold", flat=True)
        .first()
    )
    return default_threshold() if own is None else own


def thresholds_for(lookup_keys: Iterable[str]) -> dict[str, float]:
    """{lookup_key: threshold} for every key of `lookup_keys`, in one query."""
    keys = set(lookup_keys)
    own = dict(
        PerTestThreshold.objects.filter(lookup_key__in=keys).values_list("lookup_key", "threshold")
    )
    default = default_threshold()
    return {key: own.get(key, default) for key in keys}


def with_threshold(attempts: QuerySet) -> QuerySet:
    """`attempts` with `review_threshold`, the threshold of each one's test, read in the same
    query (a subquery on the unique lookup key, run for the rows returned only): a list's page
    needs no query of its own for its trust colours."""
    own = PerTestThreshold.objects.filter(lookup_key=OuterRef("lookup_key")).values("threshold")
    return attempts.annotate(
        review_threshold=Coalesce(
            Subquery(own[:1], output_field=FloatField()),
            Value(default_threshold(), output_field=FloatField()),
        )
    )


def below_threshold(custom: dict[str, float] | None = None) -> Q:
    """The condition "trust score under its test's threshold", for any attempts query.

    `custom` is custom_thresholds(), read here when not given (one query)."""
    custom = custom_thresholds() if custom is None else custom
    condition = Q(trust_score__lt=default_threshold()) & ~Q(lookup_key__in=list(custom))
    for lookup_key, threshold in custom.items():
        condition |= Q(lookup_key=lookup_key, trust_score__lt=threshold)
    return condition


class ThresholdRefused(ValueError):
    """The threshold was not stored; the message says why and what to send instead."""


def parse_percent(text: str) -> float:
    """A threshold typed as a percentage ("80", "72.5 %") as a fraction, or ThresholdRefused."""
    cleaned = text.strip().rstrip("%").strip().replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise ThresholdRefused(
            f"{text!r} is not a number: type the threshold as a percentage, e.g. 80."
        ) from None
    if not 0 <= value <= 100:
        raise ThresholdRefused(
            f"{value:g} % is outside 0..100 %: type the threshold as a percentage, e.g. 80."
        )
    return round(value / 100, 4)


def set_threshold(
    *, user: AbstractBaseUser, lookup_key: str, threshold: float | None, reason: str = ""
) -> PerTestThreshold | None:
    """Give `lookup_key` its own review threshold (None: back to the default), audited."""
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise ThresholdRefused(f"{threshold!r} is outside 0..1.")
    with transaction.atomic():
        previous = threshold_for(lookup_key)
        if threshold is None:
            PerTestThreshold.objects.filter(lookup_key=lookup_key).delete()
            row = None
            action, summary = THRESHOLD_CLEAR, f"{lookup_key}: back to the default threshold"
        else:
            row, _ = PerTestThreshold.objects.update_or_create(
                lookup_key=lookup_key,
                defaults={
                    "threshold": threshold,
                    "set_by": user,
                    "set_by_name": user.get_username(),
                    "set_at": timezone.now(),
                },
            )
            action, summary = THRESHOLD_SET, f"{lookup_key}: review threshold {threshold:.2%}"
        audit_record(
            user=user,
            action=action,
            summary=summary + (f" ({reason})" if reason else ""),
            detail={
                "lookup_key": lookup_key,
                "previous": previous,
                "threshold": threshold if threshold is not None else default_threshold(),
                "reason": reason,
            },
        )
    return row
