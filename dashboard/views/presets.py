"""`/review/reasons/`: test admins manage the common reasons the verdict form offers, for every
test or for one (review.presets). Each change is audited."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from access.params import row_id
from access.permissions import OVERTURN_VERDICTS, REVIEW_ATTEMPTS, VIEW_ATTEMPTS, require
from access.scopes import is_scoped
from dashboard import selectors
from review.models import ReasonPreset
from review.presets import BUILT_IN, add_preset, remove_preset
from review.refusals import ReviewRefused


@require(VIEW_ATTEMPTS, REVIEW_ATTEMPTS, OVERTURN_VERDICTS)
def reasons(request: HttpRequest) -> HttpResponse:
    tests = selectors.lookup_keys(request.user)
    # A test admin limited to some tests keeps the reasons of those tests; the reasons offered
    # on every test are for those whose role reaches every test.
    scoped = is_scoped(request.user)
    mine = ReasonPreset.objects.filter(lookup_key__in=tests)
    if not scoped:
        mine = mine | ReasonPreset.objects.filter(lookup_key="")
    if request.method == "POST":
        try:
            if "remove" in request.POST:
                preset_id = row_id(request.POST["remove"])
                if preset_id is None:
                    raise ReviewRefused("Not a common reason: nothing was removed.")
                if not mine.filter(pk=preset_id).exists():
                    raise ReviewRefused("Not a common reason of your tests: nothing was removed.")
                remove_preset(user=request.user, preset_id=preset_id)
                messages.success(request, "Common reason removed.")
            else:
                lookup_key = request.POST.get("lookup_key", "")
                if lookup_key and lookup_key not in tests:
                    raise ReviewRefused(f"No test {lookup_key!r}: choose one from the list.")
                if not lookup_key and scoped:
                    raise ReviewRefused(
                        "Your role is limited to some tests: choose one of them for the reason."
                    )
                add_preset(
                    user=request.user,
                    text=request.POST.get("text", "")[:200],
                    lookup_key=lookup_key,
                )
                messages.success(request, "Common reason added: the verdict forms offer it now.")
        except ReviewRefused as refusal:
            messages.error(request, str(refusal))
        return redirect("review-reasons")
    context = {
        "nav": "review",
        "built_in": BUILT_IN,
        "added": mine.order_by("lookup_key", "added_at", "pk"),
        "tests": tests,
    }
    return render(request, "review/reasons.html", context)
