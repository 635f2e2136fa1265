"""The audit trail's page."""

from django.urls import path

from audit import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit-log"),
]
