"""The API console's pages."""

from django.urls import path

from console import doctor, views

urlpatterns = [
    path("console/", views.console, name="console"),
    path("console/walk/", views.console_walk, name="console-walk"),
    path("console/signature/", views.console_signature, name="console-signature"),
    path("console/doctor/", doctor.console_doctor, name="console-doctor"),
]
