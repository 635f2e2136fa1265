"""Reviewers' history in the Django admin: browsed and searched, never edited."""

from django.contrib import admin

from audit.admin import HistoryAdmin
from review.models import ContextNote, EvidenceDismissal, ReviewNote, ReviewState, VerdictChange


@admin.register(VerdictChange)
class VerdictChangeAdmin(HistoryAdmin):
    list_display = ["at", "attempt", "previous_verdict", "verdict", "reviewer_name", "bulk"]
    list_filter = ["verdict", "bulk"]
    search_fields = ["attempt__test_attempt_id", "reviewer_name", "reason"]
    list_select_related = ["attempt"]
    raw_id_fields = ["attempt", "reviewer"]


@admin.register(ReviewState)
class ReviewStateAdmin(HistoryAdmin):
    list_display = ["attempt", "verdict", "reviewer_name", "reviewed_at"]
    list_filter = ["verdict"]
    search_fields = ["attempt__test_attempt_id", "reviewer_name"]
    list_select_related = ["attempt"]
    raw_id_fields = ["attempt", "reviewed_by", "latest_change"]


@admin.register(ReviewNote)
class ReviewNoteAdmin(HistoryAdmin):
    list_display = ["at", "attempt", "author_name", "label", "text"]
    search_fields = ["attempt__test_attempt_id", "author_name", "text"]
    list_select_related = ["attempt"]
    raw_id_fields = ["attempt", "author"]


@admin.register(EvidenceDismissal)
class EvidenceDismissalAdmin(HistoryAdmin):
    list_display = ["at", "attempt", "label", "occurred_at", "dismissed_by_name", "reason"]
    search_fields = ["attempt__test_attempt_id", "dismissed_by_name", "reason"]
    list_select_related = ["attempt"]
    raw_id_fields = ["attempt", "dismissed_by"]


@admin.register(ContextNote)
class ContextNoteAdmin(HistoryAdmin):
    list_display = ["at", "kind", "key", "author_name", "text"]
    list_filter = ["kind"]
    search_fields = ["key", "author_name", "text"]
    raw_id_fields = ["author"]
