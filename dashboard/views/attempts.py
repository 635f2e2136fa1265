"""`/attempts/` (the filtered, sorted list) and `/attempts/<id>/` (one attempt's report)."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from access.permissions import (
    EXPORT_ATTEMPTS,
    REVIEW_ATTEMPTS,
    VIEW_ATTEMPTS,
    VIEW_AUDIT,
    attempt_for,
    can,
    require,
)
from candidates import selectors as candidate_selectors
from dashboard import selectors
from dashboard.filters import AttemptFilter
from dashboard.pagination import COUNT_CAP, capped_count, paginate
from dashboard.sorting import COLUMNS, Sort
from dashboard.workspace import attempt_workspace
from proctoring.models import Attempt
from review import claims
from review import selectors as review_selectors
from review.assignments import shares
from review.context_notes import context_notes_for
from review.forms import VERDICT_CHOICES, VERDICT_KEYS, NoteForm, VerdictForm
from review.permissions import may_give_verdict, may_overturn_on, may_write_context_notes
from review.presets import presets_for
from review.thresholds import threshold_for, with_threshold
from review.undo import UNDO_SECONDS, undoable

# The list's columns a reviewer may hide (static/js/attempt_list.js remembers the choice);
# the candidate's column, which opens the report, always stays.
HIDEABLE_COLUMNS = [
    ("test", "Test"),
    ("started", "Started"),
    ("submitted", "Submitted"),
    ("duration", "Duration"),
    ("trust", "Trust score"),
    ("violations", "Violations"),
    ("evidence", "Evidence"),
    ("review", "Review"),
]


@require(VIEW_ATTEMPTS)
def attempt_list(request: HttpRequest) -> HttpResponse:
    attempt_filter = AttemptFilter(
        request.GET, queryset=selectors.attempt_list(request.user), request=request
    )
    sort = Sort.from_param(request.GET.get("o"))
    attempts = attempt_filter.qs
    tests = attempt_filter.tests
    page = paginate(
        with_threshold(attempts),  # for the trust colours
        sort,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        tests=tests,
    )
    # When one page holds every match, its length is the count: no need to ask the database.
    single_page = not (page.has_next or page.has_previous)
    by_test = tests if attempt_filter.checks_evidence else None
    matching = len(page.rows) if single_page else capped_count(attempts, tests=by_test)
    headers = [
        {
            "column": column,
            "param": sort.header_param(column),
            "current": column.key == sort.column.key,
            "descending": sort.descending,
            "aria_sort": ("descending" if sort.descending else "ascending")
            if column.key == sort.column.key
            else "",
        }
        for column in COLUMNS.values()
    ]
    can_review = can(request.user, REVIEW_ATTEMPTS)
    context = {
        "nav": "attempts",
        "filter": attempt_filter,
        "sort": sort,
        "header_by_key": {header["column"].key: header for header in headers},
        "hideable_columns": HIDEABLE_COLUMNS,
        "page": page,
        "matching": min(matching, COUNT_CAP),
        "matching_capped": matching > COUNT_CAP,
        "can_export": can(request.user, EXPORT_ATTEMPTS),
        "can_review": can_review,
        "verdict_choices": VERDICT_CHOICES,
        # The bulk verdict's form, shown to reviewers only: no query for anyone else.
        "presets": presets_for(None) if can_review else [],
    }
    return render(request, "dashboard/attempt_list.html", context)


@require(VIEW_ATTEMPTS)
def attempt_report(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = attempt_for(request.user, attempt_id)
    return render_report(request, attempt)


def render_report(
    request: HttpRequest,
    attempt: Attempt,
    *,
    verdict_form: VerdictForm | None = None,
    refusal: str = "",
    kept_note: dict | None = None,
    selected: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The report page; the review views show it again with a form that was refused.

    `?queue=1` shows it as a step of the needs-review queue: previous and next links, and a
    verdict that moves on to the next attempt. `?event=<record id>` selects the event whose
    evidence the viewer shows (dashboard.workspace). A refused write shows `refusal` at the
    top of the page, with what the reviewer wrote kept: in `verdict_form`, or as the draft of
    a note on an event (`kept_note`: {"record": id, "text": ...}).

    In the queue, opening an attempt claims it (review.claims) unless someone else is reviewing
    it; anyone else who opens a claimed attempt sees who has it, since when.
    """
    records = selectors.attempt_timeline(attempt)
    review = review_selectors.attempt_review(attempt, records)
    can_review = can(request.user, REVIEW_ATTEMPTS)
    in_queue = can_review and (
        request.GET.get("queue") == "1" or request.POST.get("queue") in ("1", "True", "true")
    )
    if verdict_form is not None:  # shown again after a refusal: stay where the reviewer was
        in_queue = can_review and verdict_form.cleaned_data.get("queue", False)
    verdict_form = verdict_form or VerdictForm.for_attempt(attempt, queue=in_queue)
    previous = following = None
    left = 0
    own = []
    page_view = ""
    if in_queue:
        queue = selectors.review_queue(request.user)
        previous, following = review_selectors.queue_neighbours(queue, attempt)
        left = capped_count(queue)
        own = [
            share for share in shares(request.user, queue) if share.lookup_key == attempt.lookup_key
        ]
        page_view = secrets.token_hex(8)
        claims.claim(request.user, attempt, page=page_view)
    held = claims.claim_of(attempt) if can_review else None
    context = {
        "nav": "review" if in_queue else "attempts",
        "attempt": attempt,
        "records": records,
        "review": review,
        "violations": review.violations,
        "workspace": attempt_workspace(
            attempt, review, selected=selected or request.GET.get("event")
        ),
        "without_file": sum(1 for record in records if not record.has_file),
        "autoproctor_url": "{}/test-attempts/{}/".format(
            settings.AUTOPROCTOR_DASHBOARD_URL, quote(attempt.test_attempt_id, safe="")
        )
        # "." or ".." would be read as a directory step: link to all results instead.
        if attempt.test_attempt_id not in (".", "..")
        else f"{settings.AUTOPROCTOR_DASHBOARD_URL}/results/",
        "review_threshold": threshold_for(attempt.lookup_key),
        "can_review": can_review,
        "may_give_verdict": may_give_verdict(request.user, review.state),
        "can_see_audit": can(request.user, VIEW_AUDIT),
        "verdict_form": verdict_form,
        "verdict_radios": [
            (radio, VERDICT_KEYS[radio.data["value"]]) for radio in verdict_form["verdict"]
        ],
        "note_form": NoteForm(),
        "context_notes": context_notes_for([attempt])[attempt.pk],
        "may_write_context_notes": may_write_context_notes(request.user),
        "candidate": candidate_selectors.report_panel(attempt, request.user),
        "in_queue": in_queue,
        "queue_previous": previous,
        "queue_next": following,
        "queue_left": min(left, COUNT_CAP),
        "queue_share": own[0] if own else None,
        "claim": held,
        "claimed_by_other": held is not None and held.reviewer_id != request.user.pk,
        "may_take_over": may_overturn_on(request.user, lambda: attempt.lookup_key),
        "claim_seconds": settings.REVIEW_CLAIM_MINUTES * 60,
        "page_view": page_view,
        "refusal": refusal,
        "undo": undoable(request.user, request.session.get("review.undoable")),
        "undo_minutes": UNDO_SECONDS // 60,
        "kept_note": kept_note or {},
    }
    return render(request, "dashboard/attempt_report.html", context, status=status)
