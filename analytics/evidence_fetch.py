"""A case file's evidence files, fetched several at a time ahead of the ZIP being written.

One after the other, every file costs a round trip to AutoProctor's storage, far away for a real
account: a test's case files hold thousands. `AttemptFiles` keeps up to CASE_FILE_FETCHES
downloads in flight through one client (its connection pool keeps 16 alive), in the ZIP's order,
each read whole into memory (evidence is photos and short clips) up to PREFETCH_MAX_BYTES; a
larger file, or one that states no length, is streamed when its turn comes.

The database stays in the thread writing the ZIP: the attempt's URLs are presigned in one
request before its downloads start (`refresh_attempt_urls`), so the downloading threads only
send GETs. A file they cannot fetch for a reason the streaming path knows how to handle (a URL
storage calls expired, no fresh URL) is handed back, and `open_evidence_file` tries it there,
recording the expiry as the evidence page does.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import requests

from autoproctor import AutoProctorClient, AutoProctorError, EvidenceUrlExpired
from proctoring.api_client import client_from_settings
from proctoring.evidence_files import (
    CHUNK_SIZE,
    INTERACTIVE_RETRIES,
    NotMedia,
    is_media,
    media_type,
    open_evidence_file,
)
from proctoring.models import Attempt, EvidenceRecord
from proctoring.sync.presign import is_fresh, refresh_attempt_urls

CASE_FILE_FETCHES = 8
PREFETCH_MAX_BYTES = 8 * 2**20


class _Streamed:
    """What a download hands back when the file is to be fetched in the streaming thread."""


STREAM_LATER = _Streamed()


class AttemptFiles:
    """The evidence files of one attempt, in order: `chunks(record, failures)` gives one file's
    bytes (or adds a line to `failures` and gives none), fetching the next ones meanwhile."""

    def __init__(self, attempt: Attempt, records: list[EvidenceRecord]):
        self.attempt = attempt
        self.records = records
        self.pending: dict[int, Future] = {}
        self.next_index = 0
        self.pool: ThreadPoolExecutor | None = None
        self.client: AutoProctorClient | None = None

    def chunks(self, record: EvidenceRecord, failures: list[str], name: str) -> Iterator[bytes]:
        """The bytes of `record`'s file; when it cannot be had, a line naming the file (`name`)
        and the reason is added to `failures` instead."""
        if self.pool is None:
            self._start()
        self._fill()
        future = self.pending.pop(record.pk, None)
        outcome = future.result() if future is not None else STREAM_LATER
        self._fill()
        if record is self.records[-1]:
            self.close()
        if isinstance(outcome, bytes):
            yield outcome
            return
        if isinstance(outcome, Exception):
            failures.append(f"{name}: {outcome}")
            return
        try:
            evidence = open_evidence_file(record)
        except (AutoProctorError, NotMedia) as error:
            failures.append(f"{name}: {error}")
            return
        yield from evidence.chunks()

    def close(self) -> None:
        """Stop fetching (the ZIP is done, or its reader went away) and release the client."""
        if self.pool is not None:
            for future in self.pending.values():
                future.cancel()
            self.pool.shutdown(wait=True)
            self.pending.clear()
        if self.client is not None:
            self.client.close()
            self.client = None

    def _start(self) -> None:
        try:
            fresh = refresh_attempt_urls(self.attempt)
        except AutoProctorError:
            fresh = {}  # every file then goes the streaming path, which reports the error
        for record in self.records:
            if record.s3_path in fresh:
                record.presigned_url, record.presigned_url_expires_at = fresh[record.s3_path]
        self.client = client_from_settings(max_retries=INTERACTIVE_RETRIES)
        self.pool = ThreadPoolExecutor(CASE_FILE_FETCHES, thread_name_prefix="case-file")

    def _fill(self) -> None:
        """Keep CASE_FILE_FETCHES downloads in flight, the next files first."""
        while len(self.pending) < CASE_FILE_FETCHES and self.next_index < len(self.records):
            record = self.records[self.next_index]
            self.next_index += 1
            if is_fresh(record):
                self.pending[record.pk] = self.pool.submit(_download, self.client, record)

    def __del__(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)


def _download(client: AutoProctorClient, record: EvidenceRecord) -> bytes | Exception | _Streamed:
    """One file's bytes, the error to report, or STREAM_LATER. No database access here."""
    try:
        response = client.open_file(record.presigned_url)
    except EvidenceUrlExpired:
        return STREAM_LATER
    except AutoProctorError as error:
        return error
    except requests.RequestException:
        return STREAM_LATER  # the streaming path retries it and reports what it finds
    try:
        content_type = media_type(response)
        if not is_media(content_type):
            return NotMedia(content_type)
        length = response.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > PREFETCH_MAX_BYTES:
            return STREAM_LATER
        return b"".join(response.iter_content(chunk_size=CHUNK_SIZE))
    except requests.RequestException:
        return STREAM_LATER
    finally:
        response.close()
