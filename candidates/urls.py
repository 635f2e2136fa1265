"""The candidate's pages (`respond/`, no account) and the staff's actions on them."""

from django.urls import path

from candidates.views import candidate, staff

urlpatterns = [
    path("respond/<str:token>/", candidate.respond, name="candidate-respond"),
    path(
        "respond/<str:token>/evidence/<int:record_id>/",
        candidate.evidence,
        name="candidate-evidence",
    ),
    path(
        "attempts/<int:attempt_id>/candidate-link/",
        staff.create_link,
        name="candidate-link-create",
    ),
    path(
        "attempts/<int:attempt_id>/candidate-link/revoke/",
        staff.revoke_link,
        name="candidate-link-revoke",
    ),
    path(
        "attempts/<int:attempt_id>/candidate-export.zip",
        staff.export_candidate,
        name="candidate-export",
    ),
]
