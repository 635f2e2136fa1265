"""The dashboard's pages (dashboard/views/), the review pages among them."""

from django.urls import path

from dashboard.views import (
    assignments,
    attempts,
    charts,
    claims,
    context_notes,
    evidence,
    export,
    overview,
    presets,
    review,
    sync_progress,
    sync_status,
)

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("charts/attempts-per-day.json", charts.attempts_per_day, name="chart-attempts-per-day"),
    path(
        "charts/trust-distribution.json",
        charts.trust_distribution,
        name="chart-trust-distribution",
    ),
    path(
        "charts/violations-by-label.json",
        charts.violations_by_label,
        name="chart-violations-by-label",
    ),
    path("charts/credit-balance.json", charts.credit_balance, name="chart-credit-balance"),
    path("attempts/", attempts.attempt_list, name="attempt-list"),
    path("attempts/export.csv", export.export_csv, name="attempt-export"),
    path("attempts/verdicts/", review.bulk_verdict, name="attempt-bulk-verdict"),
    path("attempts/<int:attempt_id>/", attempts.attempt_report, name="attempt-report"),
    path(
        "attempts/<int:attempt_id>/evidence/<int:record_id>/",
        evidence.evidence_file,
        name="evidence-file",
    ),
    # Reviewing (dashboard/views/review.py).
    path("review/", review.queue, name="review-queue"),
    path("review/next/", claims.next_attempt, name="review-next"),
    path("review/reasons/", presets.reasons, name="review-reasons"),
    path("review/assign/", assignments.assign_queue, name="review-assign"),
    path("attempts/<int:attempt_id>/claim/", claims.claim, name="attempt-claim"),
    path("attempts/<int:attempt_id>/verdict/", review.verdict, name="attempt-verdict"),
    path("verdicts/<int:change_id>/undo/", review.undo, name="verdict-undo"),
    path("attempts/<int:attempt_id>/notes/", review.note, name="attempt-note"),
    path(
        "attempts/<int:attempt_id>/context-notes/",
        context_notes.context_note,
        name="attempt-context-note",
    ),
    path(
        "attempts/<int:attempt_id>/dismissals/",
        review.group_dismissal,
        name="attempt-group-dismissal",
    ),
    path(
        "attempts/<int:attempt_id>/evidence/<int:record_id>/dismissal/",
        review.dismissal,
        name="evidence-dismissal",
    ),
    path("sync/", sync_status.sync_status, name="sync-status"),
    path("sync/now/", sync_status.sync_now, name="sync-now"),
    path("sync/progress.json", sync_progress.sync_progress, name="sync-progress"),
]
