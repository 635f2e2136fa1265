"""Writing a test note or a candidate note from an attempt's report (test admins only)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from access.permissions import (
    OVERTURN_VERDICTS,
    REVIEW_ATTEMPTS,
    VIEW_ATTEMPTS,
    attempt_for,
    require,
)
from review.context_notes import NoKey, add_context_note
from review.forms import ContextNoteForm


@require(VIEW_ATTEMPTS, REVIEW_ATTEMPTS, OVERTURN_VERDICTS)
@require_POST
def context_note(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The note follows the attempt's lookup key or email, never a key sent by the browser."""
    attempt = attempt_for(request.user, attempt_id, REVIEW_ATTEMPTS, OVERTURN_VERDICTS)
    form = ContextNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        try:
            note = add_context_note(
                user=request.user,
                attempt=attempt,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
            )
        except NoKey as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request, f"{note.get_kind_display()} saved: every attempt of {note.key} shows it."
            )
    query = "?queue=1" if request.POST.get("queue") == "1" else ""
    return HttpResponseRedirect(
        reverse("attempt-report", args=[attempt.pk]) + query + "#context-notes"
    )
