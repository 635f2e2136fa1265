"""The AutoProctor API client: the only code that knows AutoProctor's wire format.

    from autoproctor import AutoProctorClient, NotReady
    client = AutoProctorClient(base_url=..., client_id=..., client_secret=...)
    for page in client.iter_result_pages():
        ...

It imports nothing of Django and nothing of the dashboard (an import-linter contract holds it):
the dashboard configures it from its settings in proctoring/api_client.py.

The contract it implements is docs/autoproctor-api.md. Modules: signing (HMAC signatures),
values (typed results and tolerant parsing), errors (what a caller can act on), transport
(timeouts, retries, the observer), client (the calls), documents (the shape of each
one-attempt answer), wire (every name, value and call form we assume), forms (the fallback
between call forms), stream (results read in bounded memory), doctor and doctor_report (the
first-contact check).
"""

from .client import AutoProctorClient
from .errors import (
    AutoProctorError,
    BadCredentials,
    ClockSkew,
    EvidenceUrlExpired,
    MalformedResponse,
    NotConfigured,
    NotFound,
    NotReady,
    RateLimited,
    RequestRejected,
    ServerError,
    Unreachable,
)
from .signing import sign
from .transport import Exchange
from .values import (
    AttemptData,
    EvidenceBundle,
    EvidenceRecordData,
    ParseProblem,
    PresignedUrl,
    ResultsPage,
    UsageData,
)

__all__ = [
    "AttemptData",
    "AutoProctorClient",
    "AutoProctorError",
    "BadCredentials",
    "ClockSkew",
    "EvidenceBundle",
    "EvidenceRecordData",
    "EvidenceUrlExpired",
    "Exchange",
    "MalformedResponse",
    "NotConfigured",
    "NotFound",
    "NotReady",
    "ParseProblem",
    "PresignedUrl",
    "RateLimited",
    "RequestRejected",
    "ResultsPage",
    "ServerError",
    "Unreachable",
    "UsageData",
    "sign",
]
