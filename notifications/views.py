"""`/notifications/`: "My notifications", each user's choice of emailed events."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from access.logins import email_configured
from access.permissions import VIEW_ATTEMPTS, require
from notifications.forms import PreferenceForm
from notifications.models import NotificationPreference


@require(VIEW_ATTEMPTS)
def my_notifications(request: HttpRequest) -> HttpResponse:
    preference, _ = NotificationPreference.objects.get_or_create(user=request.user)
    if request.method == "POST":
        form = PreferenceForm(request.POST, user=request.user)
        if form.is_valid():
            preference.events = form.cleaned_data["events"]
            preference.daily_digest = form.cleaned_data["daily_digest"]
            preference.save(update_fields=["events", "daily_digest"])
            messages.success(request, "Your notification choices are saved.")
            return redirect("my-notifications")
        status = 400
    else:
        form = PreferenceForm(
            initial={"events": preference.events, "daily_digest": preference.daily_digest},
            user=request.user,
        )
        status = 200
    context = {
        "nav": "notifications",
        "form": form,
        "email_configured": email_configured(),
        "email": request.user.email,
        "site_url": bool(settings.SITE_URL),
    }
    return render(request, "notifications/my_notifications.html", context, status=status)
