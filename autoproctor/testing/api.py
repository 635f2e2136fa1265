"""The AutoProctor endpoints of docs/autoproctor-api.md: a Request in, a Response out.

Ids in paths are read from the raw path and percent-decoded segment by segment, so `%2F` in an
id is part of the id. Every refusal has a JSON body `{"status": "error", "message": ...}`;
the bucket's (the temporary file URLs) are S3's XML.

Choices where the contract leaves room:
- `GET /api/v2/test-attempts/{id}/` takes the raw id when the query has
  `hashed_test_attempt_id` (with `client_id` or `clientId`), and the hashed id otherwise. A
  hashed id that matches no attempt is a 404: the server cannot tell an unknown attempt from a
  hash made with another secret, so the message names both.
- The per-attempt endpoints accept the client id as `clientId` or `client_id`.
- Results pages: an invalid or out-of-range `page` is a 404 ("Invalid page."); `next` and
  `previous` repeat the request's own query with another page (so they carry its timestamp and
  signature, which go stale), and `previous` of page 2 has no `page` at all, as Django REST
  framework builds them.
- Presigned URLs: paths that are not this attempt's evidence files are left out of `urls`.
- Dialects (dialects.py) change the shapes and the routing where a real account may differ.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from urllib.parse import quote, unquote, urlencode

from autoproctor.testing import bucket, media
from autoproctor.testing.dataset import Dataset
from autoproctor.testing.dialects import (
    EVIDENCE_FILE_URL,
    EVIDENCE_JSON,
    PRESIGN,
    UNPAGED,
    USAGE,
    Dialect,
)
from autoproctor.testing.messages import (
    BAD_SIGNATURE,
    STALE_TIMESTAMP,
    UNKNOWN_ATTEMPT,
    Request,
    Response,
    error_response,
    json_response,
)
from autoproctor.testing.signing import sign, signature_matches, timestamp_problem

logger = logging.getLogger("autoproctor.testing")

PAGE_SIZE = 100
EVIDENCE_JSON_PATTERN = re.compile(r"evidence-records/(\d+)/all-evidence-records\.json")


class Api:
    def __init__(
        self,
        *,
        dataset: Dataset,
        client_id: str,
        client_secret: str,
        presign_path: str,
        usage_headers: tuple[str, str, str],
        data_clock: Callable[[], float],
        signature_clock: Callable[[], float],
        dialect: Dialect | None = None,
    ):
        self.dataset = dataset
        self.dialect = dialect or Dialect()
        self.client_id = client_id
        self._secret = client_secret
        self._presign = _path_pattern(presign_path)
        self.usage_headers = usage_headers
        self._now = data_clock
        self._signature_now = signature_clock
        self.bucket = bucket.Bucket(sign("simulator-bucket", client_secret).encode())
        self._hashed: dict[str, str] = {}  # sign(test_attempt_id) -> test_attempt_id
        self._hashed_lock = threading.Lock()

    def is_evidence_json(self, request: Request) -> bool:
        return request.path.startswith(bucket.PREFIX + "evidence-records/")

    def handle(self, request: Request) -> Response:
        try:
            response = self._route(request)
        except UnicodeDecodeError:
            response = error_response(400, "The path is not valid percent-encoded UTF-8.")
        return self.dialect.reshape_error(response)

    # --- routing -------------------------------------------------------------------------------
    def _route(self, request: Request) -> Response:
        path = request.path
        key = self.bucket.key_of(request)
        if key is not None:
            return _only(request, "GET") or self._bucket_object(request, key)
        presign = self._presign.fullmatch(path)
        if presign:
            return _only(request, "POST") or self._presign_urls(request, _segment(presign[1]))
        parts = path.split("/")[1:]
        if parts[:2] == ["api", "v2"]:
            rest = parts[2:]
            if rest == ["usage", ""]:
                return _only(request, "GET") or self._usage(request)
            if len(rest) == 4 and rest[0] == "tenants" and rest[2:] == ["results", ""]:
                return _only(request, "GET") or self._results(request, _segment(rest[1]))
            if len(rest) == 3 and rest[0] == "test-attempts" and rest[2] == "":
                hashed_form = "hashed_test_attempt_id" not in request.query
                if hashed_form and self.dialect.refuses_hashed_path(rest[1]):
                    return error_response(404, "Not found.")
                return _only(request, "GET") or self._attempt(request, _segment(rest[1]))
            if (
                len(rest) == 4
                and rest[0] == "test-attempts"
                and rest[2:]
                == [
                    "evidence-records-file-url",
                    "",
                ]
            ):
                return _only(request, "GET") or self._evidence_file_url(request, _segment(rest[1]))
        return error_response(
            404, f"No endpoint {request.method} {path}. (Every API path ends with a slash.)"
        )

    # --- authentication ------------------------------------------------------------------------
    def _client_refusal(self, client_id: str | None) -> Response | None:
        if not client_id:
            return error_response(403, "The request does not name a client id.")
        if client_id != self.client_id:
            return error_response(403, f"Unknown client id {client_id!r}: check the client id.")
        return None

    def _attempt_refusal(self, request: Request, test_attempt_id: str) -> Response | None:
        """403 unless the query names our client and signs this attempt id."""
        query = request.query
        refusal = self._client_refusal(query.get("clientId") or query.get("client_id"))
        if refusal:
            return refusal
        if not signature_matches(
            test_attempt_id, query.get("hashed_test_attempt_id"), self._secret
        ):
            return error_response(
                403,
                "hashed_test_attempt_id is missing or is not the signature of this attempt id: "
                "check the client secret.",
                reason=BAD_SIGNATURE,
            )
        return None

    def _timestamp_refusal(self, timestamp, signature) -> Response | None:
        unit = getattr(self.dialect, "timestamp_unit", "seconds")
        encoding = getattr(self.dialect, "signature_encoding", "base64")
        problem = timestamp_problem(
            timestamp, signature, self._secret, self._signature_now(), unit, encoding
        )
        if not problem:
            return None
        signed = signature_matches(timestamp or "", signature, self._secret, encoding)
        return error_response(403, problem, reason=STALE_TIMESTAMP if signed else BAD_SIGNATURE)

    def _find_hashed(self, hashed: str) -> str | None:
        """The attempt whose signed id is `hashed` (the index is made on first use, and again
        when attempts were added). Only the listing's length is read per call: copying it was
        a cost per request that grew with the dataset (benchmarks/HISTORY.md)."""
        with self._hashed_lock:
            ids = self.dataset.listing()
            if len(self._hashed) != len(ids):
                self._hashed = {sign(each, self._secret): each for each in list(ids)}
            return self._hashed.get(hashed)

    # --- endpoints -----------------------------------------------------------------------------
    def _results(self, request: Request, client_id: str) -> Response:
        query = request.query
        refusal = self._client_refusal(client_id) or self._timestamp_refusal(
            query.get("unixTimestamp"), query.get("hashedUnixTimestamp")
        )
        if refusal:
            return refusal
        ids = self.dialect.order(self.dataset.listing(query.get("lookupKey") or None))
        if UNPAGED in self.dialect:
            listed = [self.dialect.listed(each) for each in self.dataset.page(ids)]
            return json_response({"status": "success", "results": listed})
        page_size = self.dialect.page_size or PAGE_SIZE
        pages = max(1, -(-len(ids) // page_size))
        raw_page = query.get("page", "1")
        if not (raw_page.isascii() and raw_page.isdigit()) or not 1 <= int(raw_page) <= pages:
            return error_response(404, "Invalid page.")
        number = int(raw_page)
        start = (number - 1) * page_size
        return json_response(
            {
                "status": "success",
                "count": len(ids),
                "next": _page_link(request, number + 1) if number < pages else None,
                "previous": _page_link(request, number - 1) if number > 1 else None,
                "results": [
                    self.dialect.listed(each)
                    for each in self.dataset.page(ids[start : start + page_size])
                ],
            }
        )

    def _attempt(self, request: Request, id_in_path: str) -> Response:
        query = request.query
        if "hashed_test_attempt_id" in query:
            refusal = self._attempt_refusal(request, id_in_path)
            if refusal:
                return refusal
            test_attempt_id = id_in_path
        else:
            refusal = self._client_refusal(query.get("clientId") or query.get("client_id"))
            if refusal:
                return refusal
            test_attempt_id = self._find_hashed(id_in_path)
            if test_attempt_id is None:
                return error_response(
                    404,
                    "No attempt of this client has that hashed id: the attempt is unknown, or "
                    "its id was hashed with another secret.",
                    reason=UNKNOWN_ATTEMPT,
                )
        attempt = self.dataset.get(test_attempt_id)
        if attempt is None:
            return _unknown_attempt(test_attempt_id)
        return json_response(self.dialect.one_attempt(attempt))

    def _evidence_file_url(self, request: Request, test_attempt_id: str) -> Response:
        refusal = self._attempt_refusal(request, test_attempt_id)
        if refusal:
            return refusal
        attempt = self.dataset.get(test_attempt_id)
        if attempt is None:
            return _unknown_attempt(test_attempt_id)
        if attempt["evidence_status"] != "processed":
            return error_response(
                400,
                f"The evidence of attempt {test_attempt_id!r} is still being processed "
                f"(evidence_status {attempt['evidence_status']!r}); ask again later.",
            )
        key = bucket.EVIDENCE_JSON_KEY.format(index=self.dataset.index_of(test_attempt_id))
        url = self.bucket.url(request.origin, key, self._now(), bucket.EVIDENCE_JSON_LIFETIME)
        return self.dialect.answer(EVIDENCE_FILE_URL, {"all_evidence_records_file_url": url})

    def _presign_urls(self, request: Request, test_attempt_id: str) -> Response:
        refusal = self._attempt_refusal(request, test_attempt_id)
        if refusal:
            return refusal
        if self.dataset.get(test_attempt_id) is None:
            return _unknown_attempt(test_attempt_id)
        try:
            paths = json.loads(request.body or b"null")["paths"]
        except (ValueError, TypeError, KeyError):
            paths = None
        if not isinstance(paths, list) or not all(isinstance(path, str) for path in paths):
            return error_response(400, 'The body must be JSON: {"paths": ["<s3 path>", ...]}.')
        known = self.dataset.evidence_paths(test_attempt_id)
        now = self._now()
        urls = {
            path: self.bucket.url(request.origin, path, now, bucket.PRESIGNED_LIFETIME)
            for path in dict.fromkeys(paths)
            if path in known
        }
        return self.dialect.answer(PRESIGN, {"urls": urls})

    def _usage(self, request: Request) -> Response:
        client_header, timestamp_header, signature_header = self.usage_headers
        values = [request.headers.get(name) for name in self.usage_headers]
        if any(value is None for value in values):
            return error_response(
                403,
                f"The usage endpoint needs the headers {client_header}, {timestamp_header} "
                f"and {signature_header}.",
            )
        refusal = self._client_refusal(values[0]) or self._timestamp_refusal(*values[1:])
        return refusal or self.dialect.answer(USAGE, self.dataset.usage())

    def _bucket_object(self, request: Request, key: str) -> Response:
        refusal = self.bucket.refusal(request, key, self._now())
        if refusal:
            return refusal
        evidence_json = EVIDENCE_JSON_PATTERN.fullmatch(key)
        if evidence_json:
            test_attempt_id = self.dataset.id_at(int(evidence_json[1]))
            if test_attempt_id is None:
                return bucket.not_found(key)
            return self.dialect.answer(EVIDENCE_JSON, self.dataset.evidence_json(test_attempt_id))
        found = media.file_for(key)
        if found is None:
            return bucket.not_found(key)
        content_type, body = found
        return Response(200, body, content_type=content_type)


def _segment(raw: str) -> str:
    return unquote(raw, errors="strict")


def _only(request: Request, method: str) -> Response | None:
    if request.method == method:
        return None
    return error_response(
        405, f"{request.method} is not allowed here; use {method}.", {"Allow": method}
    )


def _unknown_attempt(test_attempt_id: str) -> Response:
    return error_response(
        404, f"No attempt with test_attempt_id {test_attempt_id!r}.", reason=UNKNOWN_ATTEMPT
    )


def _page_link(request: Request, number: int) -> str:
    pairs = [(name, value) for name, value in request.query_pairs if name != "page"]
    if number > 1:
        pairs.append(("page", str(number)))
    query = urlencode(pairs, quote_via=quote)
    return f"{request.origin}{request.path}" + (f"?{query}" if query else "")


def _path_pattern(template: str) -> re.Pattern:
    """`/api/.../{test_attempt_id}/x/` as a regex capturing the raw id segment."""
    before, _, after = template.partition("{test_attempt_id}")
    return re.compile(re.escape(before) + "([^/]+)" + re.escape(after))
