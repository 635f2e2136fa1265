"""GET /healthz: can this process reach the database and the task broker?

Load balancers and container health checks call it without logging in, often over plain HTTP
from inside the container, so it is exempt from the HTTPS redirect (settings) and says only
"ok" or "error" per dependency: what went wrong goes to the log, never a host name, a
connection string or a password to whoever asked.
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_q.models import OrmQ

logger = logging.getLogger(__name__)

# A health check that hangs is worse than one that fails: the prober gives up without an answer.
REDIS_TIMEOUT_SECONDS = 3


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_broker() -> None:
    """Redis answers PING when REDIS_URL is set; otherwise the queue is a database table."""
    if settings.REDIS_URL:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        try:
            client.ping()
        finally:
            client.close()
    else:
        OrmQ.objects.exists()


CHECKS = {"database": check_database, "broker": check_broker}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    body = {"status": "ok"}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # any failure means "not healthy"; the log keeps the detail
            # Driver messages name the host and the user, never the password.
            logger.warning(
                "Health check failed: %s: %s: %s",
                name,
                type(error).__name__,
                error,
                extra={"check": name},
            )
            body[name] = "error"
            body["status"] = "error"
        else:
            body[name] = "ok"
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)
