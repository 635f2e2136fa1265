"""The simulator's stand-in for AutoProctor's S3 bucket: time-limited URLs and what they serve.

URLs look like S3 presigned URLs and carry their own expiry: `X-Amz-Date` (when issued, by the
simulator's clock) and `X-Amz-Expires` (seconds), signed together with the object's key in
`X-Amz-Signature`, so a URL whose key, date or lifetime was altered is refused. Refusals are
S3's: 403 with an XML `<Error>` body (`AccessDenied` "Request has expired", or
`SignatureDoesNotMatch`), never the API's JSON.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import time
from urllib.parse import quote, unquote, urlencode
from xml.sax.saxutils import escape

from autoproctor.testing.messages import Request, Response

PREFIX = "/s3/ap-evidence/"
EVIDENCE_JSON_KEY = "evidence-records/{index}/all-evidence-records.json"
AMZ_DATE = "%Y%m%dT%H%M%SZ"
EVIDENCE_JSON_LIFETIME = 5 * 60
PRESIGNED_LIFETIME = 15 * 60


class Bucket:
    def __init__(self, signing_key: bytes):
        self._key = signing_key

    def url(self, origin: str, key: str, issued: float, lifetime: int) -> str:
        """A time-limited URL for object `key`, issued at `issued` (simulator time)."""
        amz_date = time.strftime(AMZ_DATE, time.gmtime(int(issued)))
        query = {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Credential": f"SIMULATOR/{amz_date[:8]}/us-east-1/s3/aws4_request",
            "X-Amz-Date": amz_date,
            "X-Amz-Expires": str(lifetime),
            "X-Amz-SignedHeaders": "host",
            "X-Amz-Signature": self._signature(key, amz_date, str(lifetime)),
        }
        return f"{origin}{PREFIX}{quote(key)}?{urlencode(query)}"

    def key_of(self, request: Request) -> str | None:
        """The object key a request asks for, or None if it is not a bucket URL."""
        if not request.path.startswith(PREFIX):
            return None
        return unquote(request.path[len(PREFIX) :])

    def refusal(self, request: Request, key: str, now: float) -> Response | None:
        """S3's 403 for a URL that is tampered with or expired; None when it is good."""
        query = request.query
        amz_date, lifetime = query.get("X-Amz-Date", ""), query.get("X-Amz-Expires", "")
        signature = query.get("X-Amz-Signature", "")
        if not (amz_date and lifetime and signature):
            return _xml_error(
                "AccessDenied",
                "Query-string authentication requires the Signature, Expires and Credential "
                "parameters",
            )
        expected = self._signature(key, amz_date, lifetime)
        if not hmac.compare_digest(expected, signature):
            return _xml_error(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        issued = _parse_amz_date(amz_date)
        expires = issued + int(lifetime)
        if now > expires:
            return _xml_error(
                "AccessDenied",
                "Request has expired",
                {"X-Amz-Expires": lifetime, "Expires": _iso(expires), "ServerTime": _iso(now)},
            )
        return None

    def _signature(self, key: str, amz_date: str, lifetime: str) -> str:
        message = f"{key}\n{amz_date}\n{lifetime}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


def _parse_amz_date(amz_date: str) -> float:
    return float(calendar.timegm(time.strptime(amz_date, AMZ_DATE)))


def _iso(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def not_found(key: str) -> Response:
    return _xml_error("NoSuchKey", "The specified key does not exist.", {"Key": key}, status=404)


def _xml_error(code: str, message: str, extra: dict | None = None, status: int = 403) -> Response:
    fields = {"Code": code, "Message": message, **(extra or {}), "RequestId": "SIMULATOR"}
    inner = "".join(f"<{name}>{escape(str(value))}</{name}>" for name, value in fields.items())
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{inner}</Error>'
    return Response(status, body.encode(), content_type="application/xml")
