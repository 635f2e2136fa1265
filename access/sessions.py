"""Sessions end after SESSION_IDLE_MINUTES without a request, or SESSION_MAX_HOURS after the
log-in whatever the activity, and expired ones are deleted.

Django keeps a session for SESSION_COOKIE_AGE from its last save. The settings make that age
the idle limit, and this middleware saves a logged-in user's session again at most once a
minute (not on every request, which would be a write per page), so using the dashboard keeps
the session alive and leaving it ends the session within the limit. `clear_expired_sessions`
runs on the worker's schedule, so expired sessions do not pile up in the database.

An active session would otherwise last for ever: a stolen cookie kept busy, or a shared
computer left on a page that refreshes. The middleware ends a logged-in session
SESSION_MAX_HOURS after its log-in (a session from before this rule counts from now).

This module is also the session engine (SESSION_ENGINE): Django's database sessions, read by a
statement written once instead of an ORM query built and compiled on every request. Every page
reads its session before anything else; the compiling was most of the read (figures:
benchmarks/README.md, "Figures behind choices").
"""

from __future__ import annotations

import time
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends import db
from django.db import connections, router
from django.dispatch import receiver
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.http import HttpRequest

# How often, at most, an active session's expiry is pushed forward.
RENEW_SECONDS = 60
SEEN_KEY = "_seen_at"
LOGGED_IN_KEY = "_logged_in_at"


class SessionStore(db.SessionStore):
    """Django's database session store; only the read of a session is our own statement."""

    def _get_session_from_db(self):
        """The session's row while it has not expired, as Django's store reads it, or None
        (and the key forgotten, so that a save starts a new session)."""
        if self.session_key is None:  # Django's store refuses a malformed key the same way
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        table, key, data, expiry = (
            connection.ops.quote_name(name)
            for name in (model._meta.db_table, "session_key", "session_data", "expire_date")
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {data} FROM {table} WHERE {key} = %s AND {expiry} > %s",  # noqa: S608 (model metadata)
                [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0])


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            logged_in_at = session.setdefault(LOGGED_IN_KEY, now)
            if now - logged_in_at >= settings.SESSION_MAX_HOURS * 3600:
                logout(request)  # the page then asks for a log-in, as after an idle end
                return self.get_response(request)
            if now - session.get(SEEN_KEY, 0) >= RENEW_SECONDS:
                session[SEEN_KEY] = now  # modified: saved with a fresh expiry
        return self.get_response(request)


@receiver(user_logged_in)
def mark_logged_in(
    sender: type[AbstractBaseUser],
    request: HttpRequest | None,
    user: AbstractBaseUser,
    **kwargs: Any,
) -> None:
    """A new session was just saved with a full lifetime: the first pages need not renew it."""
    if getattr(request, "session", None) is not None:
        request.session[SEEN_KEY] = request.session[LOGGED_IN_KEY] = int(time.time())


def clear_expired_sessions() -> None:
    """Delete expired sessions (what `manage.py clearsessions` does), for the schedule."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
