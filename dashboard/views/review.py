"""Reviewing: `/review/` (the needs-review queue), a verdict for one attempt, the same verdict
for several attempts of the list, notes, and dismissing an evidence record.

Every write is a POST (CSRF-protected) that ends in a redirect, so reloading a page never gives
a verdict twice. Each works without JavaScript; static/js/review.js only adds keyboard keys.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from access.permissions import REVIEW_ATTEMPTS, VIEW_ATTEMPTS, attempt_for, require
from access.scopes import visible_attempts
from candidates import selectors as candidate_selectors
from dashboard import selectors
from dashboard.filters import AttemptFilter
from dashboard.pagination import COUNT_CAP, capped_count, paginate
from dashboard.sorting import Sort
from dashboard.views.attempts import render_report
from dashboard.views.claims import next_in_queue, queue_url
from proctoring.models import EvidenceRecord
from review import claims, services
from review import selectors as review_selectors
from review.assignments import shares
from review.context_notes import context_notes_for
from review.forms import (
    BulkVerdictForm,
    DismissalForm,
    GroupDismissalForm,
    NoteForm,
    VerdictForm,
)
from review.models import Verdict
from review.presets import presets_for
from review.undo import UNDO_SECONDS, undo_verdict, undoable

# The session remembers the last verdict given, so the next page can offer to undo it.
UNDO_SESSION_KEY = "review.undoable"

# The queue's order: lowest trust score first, unscored last.
QUEUE_SORT = "trust"


@require(VIEW_ATTEMPTS, REVIEW_ATTEMPTS)
def queue(request: HttpRequest) -> HttpResponse:
    attempts = selectors.review_queue(request.user)
    sort = Sort.from_param(QUEUE_SORT)
    page = paginate(
        attempts, sort, after=request.GET.get("after"), before=request.GET.get("before")
    )
    single_page = not (page.has_next or page.has_previous)
    matching = len(page.rows) if single_page else capped_count(attempts)
    review_selectors.with_thresholds(page.rows)
    notes = context_notes_for(page.rows)
    responded = candidate_selectors.responded([attempt.pk for attempt in page.rows])
    held = {
        held.attempt_id: held
        for held in claims.live_claims()
        .filter(attempt__in=page.rows)
        .exclude(reviewer_id=request.user.pk)
    }
    for attempt in page.rows:
        attempt.context_notes = notes[attempt.pk]
        attempt.claim = held.get(attempt.pk)
        attempt.candidate_responded = attempt.pk in responded
    context = {
        "nav": "review",
        "undo": undoable(request.user, request.session.get(UNDO_SESSION_KEY)),
        "undo_minutes": UNDO_SECONDS // 60,
        "shares": shares(request.user, attempts),
        "page": page,
        "threshold": settings.REVIEW_THRESHOLD,
        "matching": min(matching, COUNT_CAP),
        "matching_capped": matching > COUNT_CAP,
        "any_attempts": matching > 0 or visible_attempts(request.user).exists(),
    }
    return render(request, "review/review_queue.html", context)


@require(VIEW_ATTEMPTS, REVIEW_ATTEMPTS)
@require_POST
def verdict(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = attempt_for(request.user, attempt_id, REVIEW_ATTEMPTS)
    form = VerdictForm(request.POST, presets=presets_for(attempt.lookup_key))
    if not form.is_valid():
        return render_report(request, attempt, verdict_form=form, status=400)
    in_queue = form.cleaned_data["queue"]
    try:
        change = services.set_verdict(
            user=request.user,
            attempt=attempt,
            verdict=form.cleaned_data["verdict"],
            reason=form.cleaned_data["reason"],
            preset=form.cleaned_data["preset"],
            seen=form.seen(),
        )
    except services.NotYours as refusal:
        # Keep what the reviewer chose and wrote; the other verdict shows beside it.
        return render_report(request, attempt, verdict_form=form, refusal=str(refusal), status=403)
    except services.ChangedWhileReviewing as refusal:
        attempt.refresh_from_db()
        # Keep what the reviewer chose and wrote, with the figures they now see.
        data = request.POST.copy()
        data["seen_trust_score"] = "" if attempt.trust_score is None else repr(attempt.trust_score)
        data["seen_violation_count"] = str(attempt.violation_count)
        form = VerdictForm(data, presets=presets_for(attempt.lookup_key))
        form.is_valid()
        return render_report(request, attempt, verdict_form=form, refusal=str(refusal), status=409)
    request.session[UNDO_SESSION_KEY] = change.pk
    done = f"{attempt.candidate_name or attempt.test_attempt_id}: {change.get_verdict_display()}."
    if not in_queue:
        messages.success(request, f"Verdict saved. {done}")
        return redirect("attempt-report", attempt_id=attempt.pk)
    following = next_in_queue(request.user, attempt)
    if following is None:
        rest = selectors.review_queue(request.user).exists()
        messages.success(
            request,
            f"Verdict saved. {done} "
            + (
                "The attempts left in the queue are being reviewed by others."
                if rest
                else "That was the last attempt in the queue."
            ),
        )
        return redirect("review-queue")
    messages.success(request, f"Verdict saved. {done} Next in the queue:")
    return HttpResponseRedirect(queue_url(following))


@require(VIEW_ATTEMPTS, REVIEW_ATTEMPTS)
@require_POST
def undo(request: HttpRequest, change_id: int) -> HttpResponse:
    """Undo the verdict just given (review.undo): a new history entry restores the state."""
    try:
        entry = undo_verdict(user=request.user, change_id=change_id)
    except services.ReviewRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("review-queue")
    request.session.pop(UNDO_SESSION_KEY, None)
    attempt = attempt_for(request.user, entry.attempt_id, REVIEW_ATTEMPTS)
    messages.success(
        request,
        f"Undone: {attempt.candidate_name or attempt.test_attempt_id} is back to "
        f"{entry.get_verdict_display()}; the history keeps both entries.",
    )
    if request.POST.get("queue") == "1":
        return HttpResponseRedirect(queue_url(attempt))
    return redirect("attempt-report", attempt_id=attempt.pk)


def _back(request):
    """Where the form came from (the filtered list), if it is one of our own pages."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("attempt-list")


@require(VIEW_ATTEMPTS, REVIEW_ATTEMPTS)
@require_POST
def bulk_verdict(request: HttpRequest) -> HttpResponse:
    data = request.POST
    if data.get("all_matching") == "1":
        # "Select all N matching": every attempt the list's filters match, on every page.
        matching = AttemptFilter(
            QueryDict(data.get("matching_query", "")),
            queryset=selectors.attempt_list(request.user),
            request=request,
        ).qs
        ids = list(matching.order_by("pk").values_list("pk", flat=True)[: COUNT_CAP + 1])
        if len(ids) > COUNT_CAP:
            messages.error(
                request,
                f"No verdict was given: more than {COUNT_CAP} attempts match. Narrow the "
                "filters first.",
            )
            return HttpResponseRedirect(_back(request))
        data = data.copy()
        data.setlist("attempts", [str(pk) for pk in ids])
    form = BulkVerdictForm(data)
    if not form.is_valid():
        messages.error(request, f"No verdict was given. {_errors(form)}")
        return HttpResponseRedirect(_back(request))
    ids = form.cleaned_data["attempts"]
    try:
        changes = services.set_verdicts(
            user=request.user,
            attempt_ids=ids,
            verdict=form.cleaned_data["verdict"],
            reason=form.cleaned_data["reason"],
            preset=form.cleaned_data["preset"],
        )
    except services.NotYours as refusal:
        messages.error(request, str(refusal))
        return HttpResponseRedirect(_back(request))
    label = Verdict(form.cleaned_data["verdict"]).label
    gone = len(set(ids)) - len(changes)
    messages.success(
        request,
        f"{label}: {len(changes)} attempt{'s' if len(changes) != 1 else ''}, each with its own "
        "history entry."
        + (
            f" {gone} no longer exist (or are outside your tests) and were skipped." if gone else ""
        ),
    )
    return HttpResponseRedirect(_back(request))


def _errors(form):
    return " ".join(error for errors in form.errors.values() for error in errors)


def _report_url(attempt, request, anchor="", record=None):
    """Back to the report, in the queue if the form came from it, with `record` selected."""
    query = {}
    if request.POST.get("queue") in ("1", "True", "true", "on"):
        query["queue"] = "1"
    if record is not None:
        query["event"] = record.pk
        anchor = f"#event-{record.pk}"
    encoded = f"?{urlencode(query)}" if query else ""
    return reverse("attempt-report", args=[attempt.pk]) + encoded + anchor


@require(VIEW_ATTEMPTS, REVIEW_ATTEMPTS)
@require_POST
def note(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = attempt_for(request.user, attempt_id, REVIEW_ATTEMPTS)
    data = request.POST
    if "text" not in data and data.get("reason"):
        # A refused verdict kept as a note ("Add it as a note" on the verdict form).
        data = data.copy()
        proposed = dict(Verdict.choices).get(data.get("verdict", ""), "no verdict chosen")
        data["text"] = f"Verdict I would give: {proposed}. {data['reason']}"
    form = NoteForm(data)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return HttpResponseRedirect(_report_url(attempt, request, "#notes"))
    record = None
    if form.cleaned_data["record"] is not None:
        record = get_object_or_404(EvidenceRecord, pk=form.cleaned_data["record"], attempt=attempt)
    services.add_note(
        user=request.user, attempt=attempt, text=form.cleaned_data["text"], record=record
    )
    messages.success(request, "Note saved.")
    return HttpResponseRedirect(_report_url(attempt, request, "#notes", record=record))


@require(VIEW_ATTEMPTS, REVIEW_ATTEMPTS)
@require_POST
def dismissal(request: HttpRequest, attempt_id: int, record_id: int) -> HttpResponse:
    attempt = attempt_for(request.user, attempt_id, REVIEW_ATTEMPTS)
    record = get_object_or_404(
        EvidenceRecord.objects.select_related("attempt"), pk=record_id, attempt=attempt
    )
    form = DismissalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
    elif form.cleaned_data["action"] == "dismiss":
        dismissal, created = services.dismiss_record(
            user=request.user, record=record, reason=form.cleaned_data["reason"]
        )
        if not created and dismissal.dismissed_by_id != request.user.pk:
            # Someone dismissed it first: show theirs, and keep this reason as a note draft.
            return render_report(
                request,
                attempt,
                refusal=f"This record was already dismissed; the first dismissal stays: "
                f"{dismissal.dismissed_by_name}'s ({dismissal.reason}). Your reason is kept in "
                "the event's note field: add it as a note if it says something more.",
                kept_note={"record": record.pk, "text": form.cleaned_data["reason"]},
                selected=str(record.pk),
                status=409,
            )
        messages.success(
            request,
            "Dismissed: it no longer counts after dismissals."
            if created
            else "This record was already dismissed; the first dismissal stays.",
        )
    else:
        try:
            restored = services.restore_record(user=request.user, record=record)
        except services.ReviewRefused as refusal:
            messages.error(request, str(refusal))
        else:
            if restored:
                messages.success(request, "The record counts again.")
            else:
                messages.info(request, "This record was not dismissed.")
    return HttpResponseRedirect(_report_url(attempt, request, record=record))


@require(VIEW_ATTEMPTS, REVIEW_ATTEMPTS)
@require_POST
def group_dismissal(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Dismiss an incident's violations, or every violation of one label, for one reason."""
    attempt = attempt_for(request.user, attempt_id, REVIEW_ATTEMPTS)
    form = GroupDismissalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return HttpResponseRedirect(_report_url(attempt, request, "#timeline"))
    records = EvidenceRecord.objects.filter(attempt=attempt, is_violation=True)
    if form.cleaned_data["records"]:
        records = records.filter(pk__in=form.cleaned_data["records"])
    else:
        records = records.filter(label=form.cleaned_data["label"])
    records = list(records.order_by("occurred_at", "pk"))
    dismissed = services.dismiss_records(
        user=request.user, attempt=attempt, records=records, reason=form.cleaned_data["reason"]
    )
    kept = len(records) - len(dismissed)
    messages.success(
        request,
        f"Dismissed {len(dismissed)} violation{'s' if len(dismissed) != 1 else ''}, each "
        "recorded with the reason."
        + (f" {kept} already dismissed keep their first dismissal." if kept else ""),
    )
    return HttpResponseRedirect(_report_url(attempt, request, "#timeline"))
