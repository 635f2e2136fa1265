"""The account pages: Django's password change, and password reset only when this installation
can send email (see access.logins.password_reset_view). Log-in and log-out are signon's."""

from django.contrib.auth import views as auth_views
from django.urls import path

from access.logins import password_reset_view

urlpatterns = [
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password_reset/",
        password_reset_view(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        password_reset_view(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        password_reset_view(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        password_reset_view(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
]
