"""Refusing requests another site's page makes in a user's name.

Opening an evidence file is a GET that writes an audit row ("opened by ..."), so an <img> or a
link on another site could create such rows in a victim's name. Browsers say where a request
comes from in Sec-Fetch-Site: our own pages send "same-origin", a typed address or bookmark
"none". Anything else is refused before the view runs, so it neither serves the file nor
writes to the audit trail. A browser too old to send the header is treated as before.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden

OWN_ORIGINS = {"same-origin", "none"}


def from_our_pages(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view, answering 403 to a request another site started."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        site = request.headers.get("Sec-Fetch-Site")
        if site is not None and site not in OWN_ORIGINS:
            return HttpResponseForbidden(
                "This address opens evidence only from the dashboard's own pages: open the "
                "attempt's report and the evidence there.",
                content_type="text/plain; charset=utf-8",
            )
        return view(request, *args, **kwargs)

    return wrapped
