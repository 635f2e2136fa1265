"""AutoProctor's addresses: the base URL, the path of each call, and how an id goes into a path."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from .errors import RequestRejected

DEFAULT_BASE_URL = "https://www.autoproctor.co"
RESULTS_PATH = "/api/v2/tenants/{client_id}/results/"
ATTEMPT_PATH = "/api/v2/test-attempts/{hashed_test_attempt_id}/"
EVIDENCE_FILE_URL_PATH = "/api/v2/test-attempts/{test_attempt_id}/evidence-records-file-url/"
DEFAULT_PRESIGN_PATH = "/api/v2/test-attempts/{test_attempt_id}/presigned-urls/"
USAGE_PATH = "/api/v2/usage/"
DEFAULT_USAGE_HEADERS = ("X-AP-Client-Id", "X-AP-Timestamp", "X-AP-Signature")


def encode(value: str) -> str:
    """Percent-encode everything but unreserved characters (so `/` becomes %2F, `+` %2B).

    "." and ".." cannot be one path segment: they mean "this" and "the parent" directory (also
    as %2E, which HTTP libraries and servers decode), so the call would reach another address.
    Such an id is refused, the one call failing with a message, never sent elsewhere."""
    if value in (".", ".."):
        raise RequestRejected(
            f"The id {value!r} cannot be sent in a URL path: it reads as a directory step, so "
            "the request would reach another address. AutoProctor's calls about it cannot be "
            "made from here; look it up in AutoProctor's own dashboard."
        )
    return quote(value, safe="")


def api_url(base_url: str, path: str, params: dict[str, str]) -> str:
    return f"{base_url}{path}?{urlencode(params, quote_via=quote, safe='')}"
