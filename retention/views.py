"""`/retention/`: the policies in force, the legal holds and the purge log, for test admins.

The purge log says what kind of data went, how much, under which policy and when; it never
shows whose data it was.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from access.permissions import MANAGE_RETENTION, require
from retention import policies
from retention.forms import HoldForm, ReleaseForm
from retention.holds import hold_place, hold_release
from retention.models import LegalHold, PurgeLogEntry

PURGE_LOG_ROWS = 100
POLICY_SETTINGS = (
    ("RETAIN_EVIDENCE_DAYS", "Evidence records and their raw JSON"),
    ("RETAIN_ATTEMPTS_DAYS", "Attempts"),
    ("RETAIN_AUDIT_DAYS", "Audit events"),
    ("RETAIN_SYNC_RUNS_DAYS", "Sync runs"),
)


def _page(request: HttpRequest, form: HoldForm | None = None, status: int = 200) -> HttpResponse:
    context = {
        "nav": "retention",
        "policies": [(label, policies.policy(setting)) for setting, label in POLICY_SETTINGS],
        "attempts_action": settings.RETAIN_ATTEMPTS_ACTION,
        "holds": LegalHold.objects.active().select_related("attempt"),
        "form": form or HoldForm(),
        "release_form": ReleaseForm(),
        "purges": PurgeLogEntry.objects.all()[:PURGE_LOG_ROWS],
    }
    return render(request, "retention/retention.html", context, status=status)


@require(MANAGE_RETENTION)
def retention(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require(MANAGE_RETENTION)
@require_POST
def hold_new(request: HttpRequest) -> HttpResponse:
    form = HoldForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    hold = hold_place(
        user=request.user,
        reason=form.cleaned_data["reason"],
        attempt=form.cleaned_data["attempt"],
        lookup_key=form.cleaned_data["lookup_key"],
    )
    messages.success(request, f"Legal hold placed on {hold.target}.")
    return redirect("retention")


@require(MANAGE_RETENTION)
@require_POST
def hold_end(request: HttpRequest, hold_id: int) -> HttpResponse:
    hold = get_object_or_404(LegalHold.objects.active(), pk=hold_id)
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the hold is released: the reason is required.")
        return redirect("retention")
    hold_release(user=request.user, hold=hold, reason=form.cleaned_data["reason"])
    messages.success(request, f"Legal hold on {hold.target} released.")
    return redirect("retention")
