"""`/sync/progress.json`: the running passes' progress, polled every few seconds by
static/js/sync_progress.js to update the sync page and the overview's banner without a reload.

`?run=<id>` (repeatable) also asks after runs the page shows, so it sees them finish. Figures
only: no error text, no attempt, no person, no setting.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from access.params import row_id
from access.permissions import RUN_SYNC, require
from dashboard.selectors.progress import MAX_RUNS_ASKED, progress_payload


@require(RUN_SYNC)
def sync_progress(request: HttpRequest) -> JsonResponse:
    asked = [row_id(each) for each in request.GET.getlist("run")]
    if len(asked) > MAX_RUNS_ASKED or None in asked:
        return JsonResponse(
            {
                "error": f"run must be a run's number, given at most {MAX_RUNS_ASKED} times "
                "(e.g. ?run=12&run=13)."
            },
            status=400,
        )
    response = JsonResponse(progress_payload(asked))
    response["Cache-Control"] = "private, no-cache"
    return response
