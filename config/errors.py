"""The answer to a request that failed inside the dashboard: Django's handler500.

When the database is not answering (PostgreSQL restarting, a network cut), every page fails at
its first query, usually while reading the session. That is not a bug to report but a wait:
the answer is a 503 with Retry-After and a page saying so, in the product's look. Any other
error is a 500 with its own page. Both pages are rendered without the request, so neither
reads the session, the user or the database again.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

RETRY_AFTER_SECONDS = 60


def server_error(request: HttpRequest) -> HttpResponse:
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponse(render_to_string("500.html"), status=500)
