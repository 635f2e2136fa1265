"""Dialects: the ways a real AutoProctor account may differ from our assumed contract, so the
tests can prove the product copes with each (docs/autoproctor-api.md marks what is assumed).

Each dialect changes one thing; any combination may be switched on at once:

- `decoded-slashes`: the server decodes `%2F` before routing, as many stacks do (Python's WSGI
  among them). The hashed-id form of the one-attempt call then 404s for every hash containing
  `/` (about half of them). Calls whose id is followed by a fixed suffix
  (`.../evidence-records-file-url/`) still route, as a `<path:...>` route would.
- `no-listing-status`: the results listing carries no `evidence_status`; only the one-attempt
  call says whether evidence is ready.
- `camel-case`: every attempt field arrives in camelCase (`submittedAt`, `trustScore`, ...).
- `finished-at`: `submitted_at` arrives as `finished_at`.
- `completed-at`: `submitted_at` arrives as `completed_at`, a name the client has no alias for
  (until one is added in AUTOPROCTOR_FIELD_ALIASES): the drift warning's case.
- `status-beside`: the one-attempt call puts `evidence_status` beside `test_attempt` instead of
  inside it.
- `unpaged`: the results call ignores `page` and sends every attempt in one document with no
  `count`, `next` or `previous`.
- `ascending`: the results listing is oldest first.
- `unordered`: the results listing is in no time order (by the hashed id, as a listing sorted
  on a database key would be): no page's young end can be told, so every pass must read all.
- `enveloped`: the evidence file URL, the evidence JSON and the presigned URLs come with
  `"status": "success"` beside their data, as the results and one-attempt answers do.
- `offset-timestamps`: every timestamp (attempts and evidence) ends in `+00:00` instead of `Z`,
  and the usage period's dates are midnight timestamps.
- `detail-errors`: refusals answer as Django REST framework does, `{"detail": "..."}`, and a bad
  signature or a stale timestamp is a 401 instead of a 403.

Authentication forms (the tenant calls' signature, autoproctor/auth.py):

- `millisecond-timestamps`: the tenant calls (results, usage) sign the UNIX time in
  milliseconds, as JavaScript's `Date.now()` gives it; a 10-digit timestamp reads as 1970.
- `hex-signatures`: the tenant calls' signature is the hex digest instead of Base64 (the attempt
  hash stays Base64, as documented).

Value scales (autoproctor/scales.py), on the attempts of the listing and the one-attempt call:

- `percent-scores`: trust scores arrive on a 0–100 scale (`87.5`), as AutoProctor's dashboard
  shows them.
- `epoch-seconds` / `epoch-milliseconds`: `started_at` and `submitted_at` are epoch numbers.
- `naive-times`: `started_at` and `submitted_at` are ISO strings without a zone (UTC meant).
  Of several time dialects at once, milliseconds win over seconds over naive times.

The answers a dialect shapes, besides the attempts, go through `answer(kind, document)` (the
kinds are ANSWER_KINDS) and `reshape_error(response)`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from autoproctor.testing.messages import (
    BAD_SIGNATURE,
    STALE_TIMESTAMP,
    Response,
    json_response,
)

DECODED_SLASHES = "decoded-slashes"
NO_LISTING_STATUS = "no-listing-status"
CAMEL_CASE = "camel-case"
FINISHED_AT = "finished-at"
COMPLETED_AT = "completed-at"
STATUS_BESIDE = "status-beside"
UNPAGED = "unpaged"
ASCENDING = "ascending"
UNORDERED = "unordered"
ENVELOPED = "enveloped"
OFFSET_TIMESTAMPS = "offset-timestamps"
DETAIL_ERRORS = "detail-errors"
MILLISECOND_TIMESTAMPS = "millisecond-timestamps"
HEX_SIGNATURES = "hex-signatures"
PERCENT_SCORES = "percent-scores"
EPOCH_SECONDS = "epoch-seconds"
EPOCH_MILLISECONDS = "epoch-milliseconds"
NAIVE_TIMES = "naive-times"
AUTH_DIALECTS = (MILLISECOND_TIMESTAMPS, HEX_SIGNATURES)
TIME_DIALECTS = (EPOCH_SECONDS, EPOCH_MILLISECONDS, NAIVE_TIMES)
SCALE_DIALECTS = (PERCENT_SCORES, *TIME_DIALECTS)
ATTEMPT_TIMES = ("started_at", "submitted_at")

USAGE = "usage"
PRESIGN = "presigned URLs"
EVIDENCE_FILE_URL = "evidence file URL"
EVIDENCE_JSON = "evidence JSON"
ANSWER_KINDS = (USAGE, PRESIGN, EVIDENCE_FILE_URL, EVIDENCE_JSON)
ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+Z")
DATE = re.compile(r"\d{4}-\d\d-\d\d")

DIALECTS = (
    DECODED_SLASHES,
    NO_LISTING_STATUS,
    CAMEL_CASE,
    FINISHED_AT,
    COMPLETED_AT,
    STATUS_BESIDE,
    UNPAGED,
    ASCENDING,
    UNORDERED,
    ENVELOPED,
    OFFSET_TIMESTAMPS,
    DETAIL_ERRORS,
    *AUTH_DIALECTS,
    *SCALE_DIALECTS,
)


def check(dialects: Iterable[str]) -> frozenset[str]:
    """The dialects as a set; ValueError naming the unknown ones and the known ones."""
    chosen = frozenset(dialects or ())
    unknown = sorted(chosen - set(DIALECTS))
    if unknown:
        raise ValueError(
            f"Unknown simulator dialect(s) {', '.join(unknown)}; choose from {', '.join(DIALECTS)}."
        )
    return chosen


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class Dialect:
    """Applies the chosen dialects to what the simulator's endpoints send."""

    page_size: int | None = None  # None: the simulator's own

    def __init__(self, dialects: Iterable[str] = ()):
        self.names = check(dialects)

    def reshape_error(self, response: Response) -> Response:
        """An error response in this dialect's error body (the contract's: unchanged)."""
        if response.status < 400 or response.content_type != "application/json":
            return response
        if DETAIL_ERRORS not in self.names:
            return response
        try:
            message = json.loads(response.body).get("message", "")
        except (ValueError, AttributeError):
            return response
        status = 401 if response.reason in (BAD_SIGNATURE, STALE_TIMESTAMP) else response.status
        body = json.dumps({"detail": message}, ensure_ascii=False).encode()
        return replace(response, status=status, body=body)

    def answer(self, kind: str, document: dict) -> Response:
        """The successful answer of a call of `kind` (one of ANSWER_KINDS) carrying `document`,
        the contract's answer."""
        if OFFSET_TIMESTAMPS in self.names:
            document = _offset(document, dates=kind == USAGE)
        if ENVELOPED in self.names and kind != USAGE:
            document = {"status": "success", **document}
        return json_response(document)

    @property
    def timestamp_unit(self) -> str:
        """How the tenant calls' timestamp is counted: "seconds" or "milliseconds"."""
        return "milliseconds" if MILLISECOND_TIMESTAMPS in self.names else "seconds"

    @property
    def signature_encoding(self) -> str:
        """How the tenant calls' digest is written: "base64" or "hex"."""
        return "hex" if HEX_SIGNATURES in self.names else "base64"

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def order(self, ids: list[str]) -> list[str]:
        if UNORDERED in self.names:
            return sorted(ids, key=lambda attempt_id: hashlib.sha256(attempt_id.encode()).digest())
        return list(reversed(ids)) if ASCENDING in self.names else ids

    def listed(self, attempt: dict) -> dict:
        """An attempt as the results listing sends it."""
        attempt = dict(attempt)
        if NO_LISTING_STATUS in self.names:
            attempt.pop("evidence_status", None)
        return self._rename(attempt)

    def one_attempt(self, attempt: dict) -> dict:
        """The whole answer of the one-attempt call."""
        attempt = dict(attempt)
        if STATUS_BESIDE in self.names:
            status = attempt.pop("evidence_status", None)
            return {
                "status": "success",
                "test_attempt": self._rename(attempt),
                "evidence_status": status,
            }
        return {"status": "success", "test_attempt": self._rename(attempt)}

    def refuses_hashed_path(self, raw_id_segment: str) -> bool:
        """True when this server would not route the hashed-id form to the attempt."""
        return DECODED_SLASHES in self.names and "%2f" in raw_id_segment.lower()

    def _rescale(self, attempt: dict) -> dict:
        """The attempt's trust score and times on this dialect's scales."""
        if PERCENT_SCORES in self.names and isinstance(attempt.get("trust_score"), int | float):
            attempt["trust_score"] = round(attempt["trust_score"] * 100, 10)
        for name in ATTEMPT_TIMES:
            value = attempt.get(name)
            if isinstance(value, str) and ISO_Z.fullmatch(value):
                attempt[name] = self._time(value)
        return attempt

    def _time(self, iso: str):
        moment = datetime.fromisoformat(iso[:-1] + "+00:00")
        if EPOCH_MILLISECONDS in self.names:
            millis = round(moment.timestamp() * 1000, 3)
            return int(millis) if millis.is_integer() else millis
        if EPOCH_SECONDS in self.names:
            return moment.timestamp()
        if NAIVE_TIMES in self.names:
            return iso[:-1]
        return iso

    def _rename(self, attempt: dict) -> dict:
        attempt = self._rescale(attempt)
        for dialect, name in ((FINISHED_AT, "finished_at"), (COMPLETED_AT, "completed_at")):
            if dialect in self.names and "submitted_at" in attempt:
                attempt = {
                    (name if key == "submitted_at" else key): value
                    for key, value in attempt.items()
                }
        if CAMEL_CASE in self.names:
            attempt = {camel(key): value for key, value in attempt.items()}
        if OFFSET_TIMESTAMPS in self.names:
            attempt = _offset(attempt)
        return attempt


def _offset(value, dates: bool = False):
    """`value` with every `...Z` timestamp ending in `+00:00` (and with `dates`, every date a
    midnight timestamp), at any depth."""
    if isinstance(value, dict):
        return {key: _offset(item, dates) for key, item in value.items()}
    if isinstance(value, list):
        return [_offset(item, dates) for item in value]
    if isinstance(value, str) and ISO_Z.fullmatch(value):
        return value[:-1] + "+00:00"
    if dates and isinstance(value, str) and DATE.fullmatch(value):
        return value + "T00:00:00+00:00"
    return value
