"""Serving one evidence file: resolve (or refresh) its presigned URL, open it, hand over bytes.

The dashboard's evidence view calls `open_evidence_file` and streams what it returns; it never
builds an API client or writes a synced row. A cached URL that storage turns down as expired
(clocks disagree, or it was revoked) is recorded as expired on the record and resolved once
more. Only images and audio are handed over: anything else could be run by a browser as a
page of the dashboard's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import requests

from autoproctor import AutoProctorClient, EvidenceUrlExpired
from proctoring.api_client import client_from_settings
from proctoring.models import EvidenceRecord
from proctoring.sync import evidence_url

CHUNK_SIZE = 64 * 1024
# Someone is waiting for the page: retry a failed request once, not with the worker's patience.
INTERACTIVE_RETRIES = 1
# image/svg+xml can carry scripts; it is not something AutoProctor records.
REFUSED_TYPES = {"image/svg+xml"}


class NotMedia(Exception):
    """AutoProctor sent the file as something other than an image or audio clip."""

    def __init__(self, content_type: str):
        super().__init__(f"Evidence file sent as {content_type or 'an unknown type'}")
        self.content_type = content_type


@dataclass
class EvidenceFile:
    """An open evidence file. Iterate `chunks()` to the end (or call close()) to release it."""

    content_type: str
    # The byte count when the upstream answer states one that is still true once decoded.
    length: int | None
    upstream: requests.Response
    client: AutoProctorClient

    def chunks(self) -> Iterator[bytes]:
        try:
            yield from self.upstream.iter_content(chunk_size=CHUNK_SIZE)
        finally:
            self.close()

    def close(self) -> None:
        self.upstream.close()
        self.client.close()


def media_type(response: requests.Response) -> str:
    """The response's Content-Type without its parameters, in lower case."""
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


def is_media(content_type: str) -> bool:
    return content_type.startswith(("image/", "audio/")) and content_type not in REFUSED_TYPES


def open_evidence_file(
    record: EvidenceRecord, *, client: AutoProctorClient | None = None
) -> EvidenceFile:
    """Open the record's file; the client (made from the settings if not given) is closed with
    it. Raises presign.NoEvidenceFile for a record without a file, AutoProctorError when
    AutoProctor or its storage does not hand it over, and NotMedia when what it hands over is
    not an image or audio clip."""
    client = client or client_from_settings(max_retries=INTERACTIVE_RETRIES)
    try:
        upstream = _open(client, record)
    except BaseException:
        client.close()
        raise
    content_type = media_type(upstream)
    if not is_media(content_type):
        upstream.close()
        client.close()
        raise NotMedia(content_type)
    length = upstream.headers.get("Content-Length", "")
    # iter_content undoes any Content-Encoding, so only an unencoded length is still true.
    known = length.isdigit() and not upstream.headers.get("Content-Encoding")
    return EvidenceFile(content_type, int(length) if known else None, upstream, client)


def _open(client: AutoProctorClient, record: EvidenceRecord) -> requests.Response:
    try:
        return client.open_file(evidence_url(record, client=client))
    except EvidenceUrlExpired:
        record_url_expired(record)
        return client.open_file(evidence_url(record, client=client))


def record_url_expired(record: EvidenceRecord) -> None:
    """Forget the record's cached URL, so the next use resolves a new one."""
    EvidenceRecord.objects.filter(pk=record.pk).update(presigned_url_expires_at=None)
    record.presigned_url_expires_at = None
