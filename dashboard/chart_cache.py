"""The overview's figures and chart data, computed once per data generation and then cached.

They are read from the tallies the database keeps (dashboard.selectors.tallied), a few
queries each, and still cached: they change only when a sync writes data, and the overview page (its
tables for readers without JavaScript) and the charts' JSON endpoints show the same values, so
the values are cached under a key naming the *data generation*: the latest sync run that created or
updated anything, with its counts (a long results pass stores them at each checkpoint, so its
progress shows while it runs). A run that changes nothing keeps the generation; the next one
that does starts a new one, and the old entries expire. The first page after a sync computes
the values; every other request, in this or (with Redis) any web process, reads them.

Only the sync writes attempts and evidence, and retention removes them: each purge (its
PurgeLogEntry) starts a new generation too. Without any sync run that changed data (rows put
there some other way, as in most tests) nothing is cached and every request computes afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from access.scopes import scope_of
from proctoring.models import SyncRun
from retention.models import PurgeLogEntry

CACHE_SECONDS = 24 * 60 * 60


def data_generation() -> str | None:
    """A token that changes whenever a sync run changes data or a purge removes some, or None
    before any sync has."""
    run = (
        SyncRun.objects.filter(kind__in=[SyncRun.Kind.RESULTS, SyncRun.Kind.EVIDENCE])
        .filter(Q(created__gt=0) | Q(updated__gt=0))
        .order_by("-pk")
        .values_list("pk", "started_at", "created", "updated")
        .first()
    )
    if run is None:
        return None
    pk, started_at, created, updated = run
    purge = PurgeLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    return f"{pk}.{started_at.timestamp()}.{created}.{updated}.{purge or 0}"


def per_generation(
    user: AbstractBaseUser | AnonymousUser, *functions: Callable[..., Any]
) -> list[Any]:
    """The values of `functions`, in order, for the attempts `user` may see, from the cache of
    the current data generation where they are there, computed and stored where not.

    Each function is called with `scope=`, the tests the user may see (access.scopes); the
    values are cached per scope (access.scopes.Scope.key), so people with the same tests share
    them and nobody reads figures of tests outside their own.
    """
    scope = scope_of(user)
    calls = [partial(function, scope=scope) for function in functions]
    generation = data_generation()
    if generation is None:
        return [call() for call in calls]
    # What else a value depends on: the day (per-day charts), the time zone and the threshold.
    context = (
        f"{timezone.localdate().isoformat()}:{timezone.get_current_timezone_name()}:"
        f"{settings.REVIEW_THRESHOLD}"
    )
    keys = [
        f"dashboard:{function.__module__}.{function.__qualname__}:{generation}:{context}"
        f":{scope.key}"
        for function in functions
    ]
    found = cache.get_many(keys)
    values = []
    for key, call in zip(keys, calls, strict=True):
        if key not in found:
            found[key] = call()
            cache.set(key, found[key], CACHE_SECONDS)
        values.append(found[key])
    return values
