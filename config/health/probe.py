"""Container health checks: `python -m config.health.probe web` or `... worker`.

The image has no curl, and a plain GET of http://127.0.0.1:8000/healthz would be refused by
Django's ALLOWED_HOSTS check in production, so the web check asks /healthz with a host name the
site answers to. The worker check looks for this container's django-q cluster in the broker's
cluster status, which every cluster refreshes twice a second (on Redis; the database broker
keeps that status inside each process, so there only the database is checked).

Exit status 0 means healthy, 1 unhealthy; one line on stdout says why.
"""

import argparse
import os
import socket
import sys
import urllib.error
import urllib.request

from config.env import env_list

TIMEOUT_SECONDS = 5


def host_name_for_probe(allowed_hosts: list[str]) -> str:
    """A Host header that ALLOWED_HOSTS accepts: its first entry, made concrete."""
    for pattern in allowed_hosts:
        if pattern == "*":
            return "localhost"
        return "probe" + pattern if pattern.startswith(".") else pattern
    return "localhost"


def check_web(port: int) -> tuple[bool, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz",
        headers={"Host": host_name_for_probe(env_list("DJANGO_ALLOWED_HOSTS"))},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return True, response.read().decode()
    except urllib.error.HTTPError as error:
        return False, f"HTTP {error.code}: {error.read().decode(errors='replace')[:200]}"
    except OSError as error:
        return False, f"no answer on port {port}: {error}"


def check_worker() -> tuple[bool, str]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django_q.conf import Conf
    from django_q.status import Stat

    try:
        connection.ensure_connection()
    except Exception as error:  # any driver error: the worker cannot do its job
        return False, f"database unreachable: {type(error).__name__}"
    if not settings.REDIS_URL:
        return True, "database reachable (cluster status needs REDIS_URL)"
    host = socket.gethostname()
    try:
        stats = Stat.get_all()
    except Exception as error:  # any client error: the queue is out of reach
        return False, f"broker unreachable: {type(error).__name__}"
    running = [s for s in stats if s.host == host and s.status in (Conf.IDLE, Conf.WORKING)]
    if not running:
        return False, f"no running cluster on {host}"
    return True, f"cluster {running[0].cluster_id} {running[0].status} on {host}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("role", choices=["web", "worker"])
    parser.add_argument("--port", type=int, default=8000, help="the web server's port")
    arguments = parser.parse_args(argv)
    healthy, detail = check_web(arguments.port) if arguments.role == "web" else check_worker()
    print(("healthy: " if healthy else "unhealthy: ") + detail)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
