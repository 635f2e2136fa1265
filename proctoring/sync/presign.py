"""Presigned evidence URLs: resolved per attempt in one request, cached on the records.

Opening an attempt's gallery asks for the first file's URL; that one request also resolves every
other file of the attempt whose cached URL is missing or about to expire, so the rest of the
gallery costs no request at all. A URL is used only while it has more than SAFETY_MARGIN left,
so a page that streams the file still has time to do so.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from autoproctor import NotFound
from proctoring.models import EvidenceRecord
from proctoring.sync.api import api_client

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from autoproctor import AutoProctorClient, PresignedUrl
    from proctoring.models import Attempt

SAFETY_MARGIN = timedelta(minutes=2)


class NoEvidenceFile(LookupError):
    """The record has no file (AutoProctor keeps a limited number per attempt)."""


def evidence_url(record: EvidenceRecord, client: AutoProctorClient | None = None) -> str:
    """A working URL for the record's file: the cached one while it is fresh, else one request
    that refreshes all of the attempt's stale URLs. Raises NoEvidenceFile for a record without a
    file, and the client's AutoProctorError when AutoProctor cannot be asked."""
    if not record.s3_path:
        raise NoEvidenceFile(f"Evidence record {record.pk} has no file.")
    if is_fresh(record):
        return record.presigned_url
    refreshed = refresh_attempt_urls(record.attempt, client=client)
    if record.s3_path in refreshed:
        record.presigned_url, record.presigned_url_expires_at = refreshed[record.s3_path]
        return record.presigned_url
    # Not stale in the database: refreshed since this record was read (e.g. with its gallery).
    record.refresh_from_db(fields=["presigned_url", "presigned_url_expires_at"])
    if is_fresh(record):
        return record.presigned_url
    raise NotFound(
        "AutoProctor returned no URL for this evidence file; it may have been deleted.",
        endpoint="presigned-urls",
    )


def is_fresh(record: EvidenceRecord, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return bool(
        record.presigned_url
        and record.presigned_url_expires_at
        and record.presigned_url_expires_at > now + SAFETY_MARGIN
    )


def stale_records(attempt: Attempt, now: datetime | None = None) -> QuerySet[EvidenceRecord]:
    """The attempt's records with a file whose URL is missing or within the margin of expiry."""
    limit = (now or timezone.now()) + SAFETY_MARGIN
    return (
        EvidenceRecord.objects.filter(attempt=attempt, s3_path__isnull=False)
        .exclude(s3_path="")
        .filter(
            Q(presigned_url="")
            | Q(presigned_url_expires_at__isnull=True)
            | Q(presigned_url_expires_at__lte=limit)
        )
    )


def refresh_attempt_urls(
    attempt: Attempt,
    client: AutoProctorClient | None = None,
    *,
    asked_before: tuple[set[str], dict[str, PresignedUrl]] | None = None,
) -> dict[str, tuple[str, datetime]]:
    """Presign all of the attempt's stale paths in one request and cache the answers.
    Returns {s3_path: (url, expires_at)} for the paths refreshed. `asked_before`: (the paths,
    the answer) of a request made ahead (see stale_paths); only the paths it did not ask for
    are asked now, if any."""
    records = list(stale_records(attempt).only("pk", "s3_path"))
    paths = sorted({record.s3_path for record in records})
    if not paths:
        return {}
    asked, presigned = asked_before if asked_before is not None else (set(), {})
    presigned = dict(presigned)
    remaining = [path for path in paths if path not in asked]
    if remaining:
        with api_client(client) as api:
            presigned.update(api.presign(attempt.test_attempt_id, remaining))
    refreshed = {
        path: (found.url, found.expires_at) for path, found in presigned.items() if path in paths
    }
    changed = []
    for record in records:
        if record.s3_path in refreshed:
            record.presigned_url, record.presigned_url_expires_at = refreshed[record.s3_path]
            changed.append(record)
    EvidenceRecord.objects.bulk_update(changed, ["presigned_url", "presigned_url_expires_at"])
    return refreshed


def stale_paths(attempt: Attempt) -> list[str]:
    """The paths refresh_attempt_urls would ask for now, to ask for them ahead."""
    return sorted(set(stale_records(attempt).values_list("s3_path", flat=True)))
