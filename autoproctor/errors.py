"""What can go wrong when talking to AutoProctor, one exception per thing a caller can act on.

Every exception carries `.endpoint` (which call failed, e.g. "results") and a message that
names the endpoint and what to check. Messages never contain the client secret.
"""

from __future__ import annotations


class AutoProctorError(Exception):
    """Base class: any failure of a call to AutoProctor or to its file storage."""

    def __init__(self, message: str, *, endpoint: str = "", status: int | None = None):
        super().__init__(message)
        self.message = message
        self.endpoint = endpoint
        self.status = status

    def __str__(self) -> str:
        return self.message


class NotConfigured(AutoProctorError):
    """The client id or secret is not set."""


class BadCredentials(AutoProctorError):
    """403 on a freshly signed request while the clocks agree: the id or secret is wrong."""


class ClockSkew(AutoProctorError):
    """403 while this server's clock is more than a minute away from AutoProctor's."""

    def __init__(self, message: str, *, skew_seconds: float, **kwargs):
        super().__init__(message, **kwargs)
        self.skew_seconds = skew_seconds


class NotReady(AutoProctorError):
    """The attempt's evidence is still being processed; ask again later."""


class NotFound(AutoProctorError):
    """404: AutoProctor does not know the attempt (or the file)."""


class RateLimited(AutoProctorError):
    """429 on every attempt: AutoProctor asks us to slow down."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(AutoProctorError):
    """5xx on every attempt: AutoProctor (or its storage) is failing."""


class Unreachable(AutoProctorError):
    """Connection errors or timeouts on every attempt."""


class MalformedResponse(AutoProctorError):
    """A body that is not JSON, an HTML error page, or JSON of the wrong shape."""


class EvidenceUrlExpired(AutoProctorError):
    """A temporary storage URL no longer works: ask AutoProctor for a new one."""


class RequestRejected(AutoProctorError):
    """Any other 4xx answer: AutoProctor refused the request as sent."""
