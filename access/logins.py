"""Log-in abuse: who a client is, what a locked-out client is told, and the password-reset limit.

Failed log-ins on /accounts/login/ and /admin/login/ are counted by django-axes (settings
LOGIN_FAILURE_LIMIT, LOGIN_ADDRESS_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES), per user name and
client address together and per address (access.lockout), before the password is hashed, so a
guesser neither gets far nor costs us CPU. This module supplies axes' client address and
lockout page, and throttles the password-reset form (which sends mail to whoever owns an
address) per client address in Django's cache.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import PasswordResetView
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from autoproctor.storable import storable_text

PASSWORD_RESETS_PER_HOUR = 5
# axes' username column.
USERNAME_COLUMN = 255


def client_address(request: HttpRequest) -> str:
    """The client's address: behind DJANGO_TRUSTED_PROXIES proxies, the X-Forwarded-For entry
    the farthest of them appended (counted from the right: a client may have sent entries of
    its own before it); otherwise, and when the header is short of that, the connection's
    address. Always a valid IP address (axes stores it in an address column); 0.0.0.0 when
    there is none."""
    trusted = settings.TRUSTED_PROXIES
    if trusted:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        appended = _address(forwarded[-trusted]) if len(forwarded) >= trusted else None
        if appended:
            return appended
    return _address(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"  # noqa: S104 - a label


def _address(text: str) -> str | None:
    """An IP address as the database stores it, or None for anything else."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def username_tried(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The user name a log-in tried, as axes counts and stores it: cut to its column and with
    any NUL replaced, so a hostile name is counted instead of failing the log-in page."""
    data = credentials or getattr(request, "data", request.POST)
    name = data.get("username") if data else None
    if not isinstance(name, str):
        return None
    return storable_text(name)[:USERNAME_COLUMN]


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """axes' answer to a locked-out client: 429, the page saying when to try again, and
    Retry-After."""
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    response = render(
        request,
        "registration/locked_out.html",
        {
            "retry_minutes": minutes,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "address_limit": settings.LOGIN_ADDRESS_FAILURE_LIMIT,
        },
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """How long a locked-out user name or address waits (LOGIN_LOCKOUT_MINUTES)."""
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def email_configured() -> bool:
    return bool(settings.EMAIL_HOST)


def password_reset_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A password-reset view that exists only when email is configured (EMAIL_HOST) and whose
    form may be sent PASSWORD_RESETS_PER_HOUR times an hour from one address."""

    # Only the form that sends mail counts: setting the new password from the emailed link
    # (or a typo in it) is not another reset request.
    sends_mail = issubclass(getattr(view, "view_class", object), PasswordResetView)

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not email_configured():
            raise Http404("Password reset needs email: set EMAIL_HOST.")
        if request.method == "POST" and sends_mail:
            key = f"password-resets:{client_address(request)}"
            cache.add(key, 0, timeout=3600)
            try:
                used = cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=3600)
                used = 1
            if used > PASSWORD_RESETS_PER_HOUR:
                response = render(
                    request,
                    "registration/locked_out.html",
                    {"retry_minutes": 60, "password_reset": True},
                    status=429,
                )
                response["Retry-After"] = str(3600)
                return response
        return view(request, *args, **kwargs)

    return wrapped
