"""gunicorn's configuration; gunicorn reads ./gunicorn.conf.py from its working directory.

Its own lines (start-up, worker restarts, one access line per request) go to stdout through the
application's logging settings, so with LOG_FORMAT=json every line the web container writes is
one JSON object. Bind address, workers and threads are on the command line in
docker-compose.yml, where an operator looks for them.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings  # noqa: E402 (needs the settings module chosen above)

# The management socket is for operators on the host; in a container, `docker compose restart`
# does its job, and the image's home directory is not writable.
control_socket_disable = True

accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
logconfig_dict = {
    **settings.LOGGING,
    "loggers": {
        # No handlers of their own: their records reach the root logger's stdout handler.
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
    },
}
