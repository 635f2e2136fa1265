"""The retention page and its legal hold forms."""

from django.urls import path

from retention import views

urlpatterns = [
    path("retention/", views.retention, name="retention"),
    path("retention/holds/", views.hold_new, name="retention-hold"),
    path("retention/holds/<int:hold_id>/release/", views.hold_end, name="retention-release"),
]
