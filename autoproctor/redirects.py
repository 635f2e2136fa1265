"""Which redirects a request to AutoProctor may follow: those of unsigned storage downloads,
and only within the storage origin AutoProctor handed us.

requests follows redirects by itself, so a 3xx from the API host or a storage host would send
our signed paths, signed queries and X-AP-* headers on to whatever host it names, and the API
console would show that host's body under the original URL. The transport therefore turns
redirects off and asks this module about each hop:

- a signed call (every call to the API itself) never follows a redirect: the 3xx is an error
  naming where it pointed, usually a sign that AUTOPROCTOR_BASE_URL is not the API's address;
- an unsigned download (the evidence JSON, an evidence file) follows at most MAX_HOPS hops, each
  re-checked: same scheme, host and port as the URL AutoProctor gave. Each hop is a request of
  its own, so the console shows every one.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import requests

from .errors import RequestRejected

MAX_HOPS = 5
# The downloads whose URL AutoProctor gave us and that carry no signature of ours.
UNSIGNED_ENDPOINTS = frozenset({"evidence JSON", "evidence file"})


def origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, f"{(parts.hostname or '').lower()}:{port}"


def next_hop(endpoint: str, first_url: str, response: requests.Response, hops: int) -> str | None:
    """The URL to follow `response` to, None if it is not a redirect; RequestRejected when the
    redirect may not be followed."""
    if not response.is_redirect:
        return None
    target = urljoin(response.url or first_url, response.headers["Location"])
    where = f"{urlsplit(target).scheme}://{urlsplit(target).netloc}"
    status = response.status_code
    if endpoint not in UNSIGNED_ENDPOINTS:
        raise RequestRejected(
            f"AutoProctor answered the {endpoint} call with a redirect ({status}) to {where}. "
            "Signed requests are never sent on to another address: set AUTOPROCTOR_BASE_URL to "
            "the API's own address (scheme and host exactly as AutoProctor gives them).",
            endpoint=endpoint,
            status=status,
        )
    if origin(target) != origin(first_url):
        raise RequestRejected(
            f"The {endpoint} download was redirected ({status}) to {where}, outside the storage "
            f"host AutoProctor gave ({urlsplit(first_url).netloc}); it was not followed. Fetch "
            "it again later, and tell AutoProctor if it persists.",
            endpoint=endpoint,
            status=status,
        )
    if hops >= MAX_HOPS:
        raise RequestRejected(
            f"The {endpoint} download was redirected more than {MAX_HOPS} times; it was not "
            "followed further. Fetch it again later.",
            endpoint=endpoint,
            status=status,
        )
    return target
