"""What every page behind a response link carries: a strict Content-Security-Policy of its own,
no indexing, no framing, no referrer to another site (the URL holds the token), no caching,
and a limit on requests per address per minute, counted before the token is looked at.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from access.logins import client_address

# Our own stylesheet, and images and audio from the link's own evidence address: no script,
# no form posted anywhere else, no frame, nothing else.
CANDIDATE_CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "media-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
CANDIDATE_HEADERS = {
    "Content-Security-Policy": CANDIDATE_CSP,
    "X-Robots-Tag": "noindex, nofollow",
    "X-Frame-Options": "DENY",
    # Same origin only (as the staff site): the token in the URL is sent to no other site, and
    # the browser still sends the Origin that Django's CSRF check compares ("no-referrer"
    # makes Chromium send "null" with the form, and the response is refused).
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
WINDOW_SECONDS = 60


def over_the_limit(request: HttpRequest) -> bool:
    """Count this request against its address; True past CANDIDATE_LINK_REQUESTS_PER_MINUTE."""
    key = f"candidate-pages:{client_address(request)}"
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        used = 1
    return used > settings.CANDIDATE_LINK_REQUESTS_PER_MINUTE


def candidate_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view behind the rate limit, its answer with CANDIDATE_HEADERS (those it did not set
    itself: an evidence file keeps its sandbox)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if over_the_limit(request):
            response = render(request, "candidates/too_many.html", status=429)
            response["Retry-After"] = str(WINDOW_SECONDS)
        else:
            response = view(request, *args, **kwargs)
        for header, value in CANDIDATE_HEADERS.items():
            response.headers.setdefault(header, value)
        return response

    return wrapped
