"""`/audit/`: the audit trail for test admins — who did what, to which attempt, when.

Read-only. Newest first, fifty a page; pages follow one another by event id (`?before=` /
`?after=`), which is the order events were recorded in, so a page costs the same however long
the trail has grown.
"""

from __future__ import annotations

from django.db.models import CharField, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from access.params import row_id
from access.permissions import VIEW_AUDIT, require
from access.scopes import scope_of
from audit.filters import AuditFilter
from audit.models import AuditEvent

PAGE_SIZE = 50


def _cursor(value):
    return row_id(value)


def visible_events(user) -> QuerySet[AuditEvent]:
    """The entries `user` may read: all of them, or, for a role limited to some tests, those
    about an attempt of those tests, or about one of the tests itself (a per-test threshold,
    which names its test in `detail`). Account-wide entries (exports, sync, console, roles)
    are not about a test, so they stay with unscoped readers."""
    events = AuditEvent.objects.select_related("attempt")
    scope = scope_of(user, VIEW_AUDIT)
    if scope.unrestricted:
        return events
    about_attempt = Q(attempt__isnull=False) & scope.q("attempt__lookup_key")
    about_test = Q(attempt__isnull=True) & scope.q("test_key")
    test_key = Cast(KT("detail__lookup_key"), CharField())
    return events.alias(test_key=test_key).filter(about_attempt | about_test)


@require(VIEW_AUDIT)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    scoped = not scope_of(request.user, VIEW_AUDIT).unrestricted
    audit_filter = AuditFilter(request.GET, queryset=visible_events(request.user), scoped=scoped)
    events = audit_filter.qs
    before, after = _cursor(request.GET.get("before")), _cursor(request.GET.get("after"))
    if after is not None:
        rows = list(events.filter(id__gt=after).order_by("id")[: PAGE_SIZE + 1])
        has_newer, has_older = len(rows) > PAGE_SIZE, True
        rows = rows[:PAGE_SIZE][::-1]
    else:
        if before is not None:
            events = events.filter(id__lt=before)
        rows = list(events.order_by("-id")[: PAGE_SIZE + 1])
        has_newer, has_older = before is not None, len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
    context = {
        "nav": "audit",
        "filter": audit_filter,
        "events": rows,
        "newer": rows[0].id if has_newer and rows else None,
        "older": rows[-1].id if has_older and rows else None,
    }
    return render(request, "audit/audit_log.html", context)
