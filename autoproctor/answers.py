"""Reading AutoProctor's answers: what a status means for each kind of call, and JSON checks.

The same 403 means different things depending on how the call was authenticated: for a call
signed with the current time it may be this server's clock (compared with the Date header),
for a call signed with the attempt id it is the credentials, and for a temporary storage URL it
is an expired URL. Every error names the call and what to check, and never shows the secret.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from . import storable
from .errors import (
    BadCredentials,
    ClockSkew,
    EvidenceUrlExpired,
    MalformedResponse,
    NotFound,
    NotReady,
    RequestRejected,
)
from .signing import Secret

# The calls, as named in messages, logs and AutoProctorError.endpoint.
RESULTS = "results"
ATTEMPT = "attempt"
EVIDENCE_FILE_URL = "evidence file URL"
EVIDENCE = "evidence JSON"
PRESIGN = "presigned URLs"
USAGE = "usage"
FILE = "evidence file"

# How a call is authenticated decides what a 403 means.
SIGNED_TIMESTAMP = "timestamp"  # signature of the current time: a 403 may be a wrong clock
SIGNED_ATTEMPT = "attempt"  # signature of the attempt id: a 403 is the credentials
STORAGE = "storage"  # a temporary storage URL, no signature: a 403 is an expired URL

# The calls whose form is only assumed (docs/autoproctor-api.md): a refusal may mean the real
# account expects another form, set by these settings.
ASSUMED_SETTING_HINTS = {
    PRESIGN: "; check that AUTOPROCTOR_PRESIGN_PATH is the account's presigned-URL path",
    USAGE: "; check that AUTOPROCTOR_USAGE_HEADERS names the headers AutoProctor expects",
}

# AutoProctor refuses a signed timestamp further than this from its own clock.
MAX_CLOCK_SKEW_SECONDS = 60
ERROR_MESSAGE_KEYS = ("message", "errorMsg", "detail", "error")
XML_MESSAGE = re.compile(r"<Message>([^<]*)</Message>")


class AnswerReader:
    def __init__(self, *, secret: Secret, client_id: str, clock: Callable[[], float]):
        self._secret = secret
        self._client_id = client_id
        self._clock = clock

    def read_json(self, endpoint: str, response: requests.Response, auth: str) -> Any:
        """The JSON of a 2xx answer, or MalformedResponse when the body is not JSON."""
        try:
            return storable.loads(response.content)
        except ValueError:
            raise MalformedResponse(
                f"AutoProctor's answer to the {endpoint} call is not JSON "
                f"({self._describe_body(response)}). "
                + (
                    "The evidence file may be damaged; fetch it again later."
                    if auth == STORAGE
                    else "Check that AUTOPROCTOR_BASE_URL points at AutoProctor's API."
                ),
                endpoint=endpoint,
                status=response.status_code,
            ) from None

    def check_status(
        self,
        endpoint: str,
        response: requests.Response,
        auth: str,
        test_attempt_id: str | None = None,
    ) -> None:
        """Raise the AutoProctorError a non-2xx answer means for this kind of call."""
        status = response.status_code
        if 200 <= status < 300:
            return
        detail = self._error_detail(response)
        said = f" ({status}{': ' + detail if detail else ''})"
        if auth == STORAGE:
            if status in (400, 403) or (status == 404 and endpoint == EVIDENCE):
                raise EvidenceUrlExpired(
                    f"The temporary {endpoint} URL no longer works{said}. Ask AutoProctor for a "
                    "new URL and fetch it straight away.",
                    endpoint=endpoint,
                    status=status,
                )
            if status == 404:
                raise NotFound(
                    f"The {endpoint} is not in AutoProctor's storage{said}.",
                    endpoint=endpoint,
                    status=status,
                )
        elif status in (401, 403):
            skew = self._clock_skew(response) if auth == SIGNED_TIMESTAMP else None
            if skew is not None and abs(skew) > MAX_CLOCK_SKEW_SECONDS:
                direction = "behind" if skew > 0 else "ahead of"
                raise ClockSkew(
                    f"AutoProctor refused the signed {endpoint} call{said} because this "
                    f"server's clock is {abs(skew):.0f} s {direction} AutoProctor's, and "
                    f"signatures only count within {MAX_CLOCK_SKEW_SECONDS} s. Fix the "
                    "server's clock: turn on NTP time synchronisation.",
                    endpoint=endpoint,
                    status=status,
                    skew_seconds=skew,
                )
            raise BadCredentials(
                f"AutoProctor refused the credentials on the {endpoint} call{said}: check "
                "AUTOPROCTOR_CLIENT_ID / AUTOPROCTOR_CLIENT_SECRET (both from the same "
                f"AutoProctor account){ASSUMED_SETTING_HINTS.get(endpoint, '')}.",
                endpoint=endpoint,
                status=status,
            )
        elif status == 404:
            if test_attempt_id:
                # The one-attempt call looks the attempt up by the signature of its id, so a
                # wrong secret makes a known attempt look unknown.
                secret_too = " and AUTOPROCTOR_CLIENT_SECRET" if endpoint == ATTEMPT else ""
                message = (
                    f"AutoProctor knows no attempt {test_attempt_id!r} for client id "
                    f"{self._client_id!r} on the {endpoint} call{said}. Check the attempt id, "
                    f"AUTOPROCTOR_CLIENT_ID{secret_too} and AUTOPROCTOR_BASE_URL."
                )
            else:
                message = (
                    f"AutoProctor found nothing at the {endpoint} call's address{said}. Check "
                    "AUTOPROCTOR_CLIENT_ID and AUTOPROCTOR_BASE_URL."
                )
            raise NotFound(message, endpoint=endpoint, status=status)
        elif status == 400 and endpoint == EVIDENCE_FILE_URL:
            raise NotReady(
                f"AutoProctor refused the evidence file URL call of attempt {test_attempt_id!r}"
                f"{said}: its evidence is still being processed, or the request is not one "
                "this account accepts (run `python manage.py autoproctor_doctor`).",
                endpoint=endpoint,
                status=status,
            )
        raise RequestRejected(
            f"AutoProctor refused the {endpoint} call{said}"
            f"{ASSUMED_SETTING_HINTS.get(endpoint, '')}.",
            endpoint=endpoint,
            status=status,
        )

    def _clock_skew(self, response: requests.Response) -> float | None:
        """Seconds AutoProctor's clock (its Date header) is ahead of ours, if it says."""
        try:
            server_time = parsedate_to_datetime(response.headers["Date"])
        except (KeyError, TypeError, ValueError):
            return None
        if server_time.tzinfo is None:
            server_time = server_time.replace(tzinfo=UTC)
        return server_time.timestamp() - self._clock()

    def _error_detail(self, response: requests.Response) -> str:
        """The server's own words from an error body, short and without the secret."""
        try:
            body = storable.loads(response.content)
        except ValueError:
            body = None
        if isinstance(body, dict):
            for key in ERROR_MESSAGE_KEYS:
                if isinstance(body.get(key), str) and body[key].strip():
                    return self._secret.scrub(body[key].strip())[:200]
        storage_message = XML_MESSAGE.search(response.text[:4000])  # S3 answers in XML
        if storage_message:
            return self._secret.scrub(storage_message[1].strip())[:200]
        return "" if not response.content.strip() else self._describe_body(response)

    def _describe_body(self, response: requests.Response) -> str:
        text = response.text.strip()
        if text[:200].lower().lstrip().startswith(("<!doctype", "<html", "<?xml", "<")):
            return "an HTML/XML page"
        if not text:
            return "an empty body"
        snippet = self._secret.scrub(text)[:80]
        return f"starts {snippet!r}"

    def wrong_shape(self, endpoint: str, document: Any, expected: str) -> MalformedResponse:
        if isinstance(document, dict):
            got = "an object with keys " + ", ".join(sorted(map(str, document))[:8])
            message = next(
                (document[k] for k in ERROR_MESSAGE_KEYS if isinstance(document.get(k), str)),
                None,
            )
            if message:
                got += f" ({self._secret.scrub(message)[:200]!r})"
        else:
            got = f"a {type(document).__name__}"
        return MalformedResponse(
            f"AutoProctor's answer to the {endpoint} call has an unexpected shape: expected "
            f"{expected}, got {got}.",
            endpoint=endpoint,
        )
