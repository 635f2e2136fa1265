"""Reading and rebuilding the overview's tallies (proctoring.tally_models).

The triggers (proctoring.tally_triggers) keep the tallies in step with every write; `rebuild()`
recounts them from the attempts and evidence, for rows loaded with the triggers off (a bulk
load as the benchmarks make, a restore with `session_replication_role = replica`). The
`recount_*` functions are what the tallies must hold, read from the rows themselves: the
rebuild's source, and what the tests compare the kept tallies with.
"""

from __future__ import annotations

import math
from datetime import date
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, Q, Value
from django.db.models.functions import Cast, Coalesce, Floor, TruncDate
from django.utils import timezone

from proctoring.models import Attempt, EvidenceRecord, EvidenceStatus
from proctoring.tally_models import AttemptDay, AttemptTally, TallyZone, ViolationTally

UNSCORED = -1  # the bucket of attempts without a trust score


def bucket_of(score: float | None) -> int:
    """The tally bucket of a trust score: floor(score × 100), as the triggers compute it."""
    return UNSCORED if score is None else math.floor(score * 100)


def bucket_start(bucket: int) -> float:
    """The smallest score whose bucket is at least `bucket`: `score >= bucket_start(b)` is the
    same condition as `bucket_of(score) >= b`, in floating point as the database computes it
    (b / 100 alone can be one step off)."""
    score = bucket / 100
    while score > 0 and bucket_of(score) >= bucket:
        score = math.nextafter(score, -math.inf)
    while bucket_of(score) < bucket:
        score = math.nextafter(score, math.inf)
    return score


def recount_attempts(attempts=None) -> dict[tuple[str, int], tuple[int, int, int]]:
    """{(lookup_key, bucket): (attempts, submitted, awaiting evidence)} from the attempts."""
    attempts = Attempt.objects.all() if attempts is None else attempts
    bucket = Coalesce(Cast(Floor(F("trust_score") * Value(100.0)), IntegerField()), Value(UNSCORED))
    rows = (
        attempts.annotate(bucket=bucket)
        .order_by()
        .values_list("lookup_key", "bucket")
        .annotate(
            n=Count("*"),
            submitted=Count("pk", filter=Q(submitted_at__isnull=False)),
            awaiting_evidence=Count("pk", filter=Q(evidence_status=EvidenceStatus.PROCESSING)),
        )
    )
    return {(key, bucket): (n, s, p) for key, bucket, n, s, p in rows}


def recount_days(zone: str) -> dict[tuple[date, str], int]:
    """{(day, lookup_key): attempts started that day in `zone`} from the attempts."""
    rows = (
        Attempt.objects.filter(started_at__isnull=False)
        .annotate(day=TruncDate("started_at", tzinfo=ZoneInfo(zone)))
        .order_by()
        .values_list("day", "lookup_key")
        .annotate(n=Count("*"))
    )
    return {(day, key): n for day, key, n in rows}


def counted_zone() -> str | None:
    """The time zone whose days the day tally counts (None before a rebuild set one)."""
    return TallyZone.objects.values_list("zone", flat=True).first()


def recount_violations() -> dict[tuple[str, str], int]:
    """{(lookup_key, label): violations} from the evidence records."""
    rows = (
        EvidenceRecord.objects.filter(is_violation=True)
        .order_by()
        .values_list("attempt__lookup_key", "label")
        .annotate(n=Count("*"))
    )
    return {(key, label): n for key, label, n in rows}


def kept_attempts() -> dict[tuple[str, int], tuple[int, int, int]]:
    rows = AttemptTally.objects.values_list(
        "lookup_key", "bucket", "attempts", "submitted", "awaiting_evidence"
    )
    return {(key, bucket): (n, s, p) for key, bucket, n, s, p in rows}


def kept_days() -> dict[tuple[date, str], int]:
    rows = AttemptDay.objects.values_list("day", "lookup_key", "attempts")
    return {(day, key): n for day, key, n in rows}


def kept_violations() -> dict[tuple[str, str], int]:
    rows = ViolationTally.objects.values_list("lookup_key", "label", "violations")
    return {(key, label): n for key, label, n in rows}


TABLES = (AttemptTally, AttemptDay, TallyZone, ViolationTally)


def rebuild() -> None:
    """Recount every tally from the rows, the days in the current time zone (TIME_ZONE).

    One transaction, with the tallies locked: a sync writing meanwhile waits rather than
    adding to counts being replaced."""
    zone = timezone.get_current_timezone_name()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            names = ", ".join(model._meta.db_table for model in TABLES)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {names} IN EXCLUSIVE MODE")
        for model in TABLES:
            model.objects.all().delete()
        TallyZone.objects.create(zone=zone)
        AttemptDay.objects.bulk_create(
            (
                AttemptDay(day=day, lookup_key=key, attempts=n)
                for (day, key), n in recount_days(zone).items()
            ),
            batch_size=1000,
        )
        AttemptTally.objects.bulk_create(
            (
                AttemptTally(lookup_key=key, bucket=b, attempts=n, submitted=s, awaiting_evidence=p)
                for (key, b), (n, s, p) in recount_attempts().items()
            ),
            batch_size=1000,
        )
        ViolationTally.objects.bulk_create(
            (
                ViolationTally(lookup_key=key, label=label, violations=n)
                for (key, label), n in recount_violations().items()
            ),
            batch_size=1000,
        )
