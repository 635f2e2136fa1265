"""Settings of notifications (the notifications app: webhooks, email, what is kept), read from
the environment; config/settings.py takes them all (docs/operations.md "Notifications")."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_float, env_int, env_secret, env_url_list

__all__ = [
    "NOTIFY_WEBHOOK_URL",
    "NOTIFY_WEBHOOK_SECRET",
    "NOTIFY_WEBHOOK_TIMEOUT",
    "NOTIFY_WEBHOOK_MAX_ATTEMPTS",
    "RETAIN_NOTIFICATIONS_DAYS",
    "NOTIFY_SYNC_FAILURES",
]

NOTIFY_WEBHOOK_URL = env_url_list("NOTIFY_WEBHOOK_URL")
NOTIFY_WEBHOOK_SECRET = env_secret("NOTIFY_WEBHOOK_SECRET")
if NOTIFY_WEBHOOK_URL and not NOTIFY_WEBHOOK_SECRET:
    raise ImproperlyConfigured(
        "NOTIFY_WEBHOOK_URL is set but NOTIFY_WEBHOOK_SECRET is not: set it (or "
        "NOTIFY_WEBHOOK_SECRET_FILE) to a long random string the receivers check signatures with."
    )
NOTIFY_WEBHOOK_TIMEOUT = env_float("NOTIFY_WEBHOOK_TIMEOUT", 5.0, minimum=0.5, maximum=60.0)
NOTIFY_WEBHOOK_MAX_ATTEMPTS = env_int("NOTIFY_WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
RETAIN_NOTIFICATIONS_DAYS = env_int("RETAIN_NOTIFICATIONS_DAYS", 90, minimum=0)
# A stage's sync.failing event is sent when it has failed this many times in a row.
NOTIFY_SYNC_FAILURES = env_int("NOTIFY_SYNC_FAILURES", 3, minimum=1)
