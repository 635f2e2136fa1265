"""Is a background worker (`manage.py qcluster`) running, as far as the web process can tell?

With Redis (REDIS_URL) every django-q2 cluster refreshes its status there twice a second, so a
running cluster is seen directly. With the database as the queue the clusters' status stays
inside their own processes; what shows from outside is the schedules: a running cluster moves
each schedule's next run forward when it runs it, so a schedule long past due means no worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule
from django_q.status import Stat

logger = logging.getLogger(__name__)

# A cluster's scheduler looks for due schedules every 30 s; a schedule this late was missed.
OVERDUE = timedelta(minutes=2)
RUNNING_STATES = (Conf.IDLE, Conf.WORKING, Conf.STARTING)


@dataclass(frozen=True)
class WorkerState:
    running: bool | None  # None: cannot tell
    detail: str


def worker_state() -> WorkerState:
    if settings.REDIS_URL:
        return _from_cluster_status()
    return _from_schedules()


def _from_cluster_status() -> WorkerState:
    try:
        stats = Stat.get_all()
    except Exception:  # a broker that is down must not take the page with it
        logger.warning("The task broker did not answer", exc_info=True)
        return WorkerState(False, "The task queue (Redis, REDIS_URL) did not answer.")
    running = [stat for stat in stats if stat.status in RUNNING_STATES]
    if not running:
        return WorkerState(False, "No worker has reported to the task queue in the last seconds.")
    hosts = sorted({stat.host for stat in running})
    return WorkerState(True, f"{len(running)} worker cluster(s) running on {', '.join(hosts)}.")


def _from_schedules() -> WorkerState:
    now = timezone.now()
    late = (
        Schedule.objects.exclude(repeats=0)
        .filter(next_run__lt=now - OVERDUE)
        .order_by("next_run")
        .first()
    )
    if late is not None:
        return WorkerState(
            False,
            f'The schedule "{late.name or late.func}" was due at '
            f"{timezone.localtime(late.next_run):%Y-%m-%d %H:%M} and has not run.",
        )
    if Schedule.objects.exists():
        return WorkerState(True, "The schedules run on time.")
    return WorkerState(None, "Cannot tell until the schedules are set up.")
