"""The "My notifications" page."""

from django.urls import path

from notifications import views

urlpatterns = [
    path("notifications/", views.my_notifications, name="my-notifications"),
]
