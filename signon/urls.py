"""The sign-in and sign-out pages, and the provider's two steps under /accounts/oidc/."""

from django.urls import path

from signon import views

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path(
        "oidc/authenticate/",
        views.StartProviderSignIn.as_view(),
        name="oidc_authentication_init",
    ),
    path(
        "oidc/callback/",
        views.FinishProviderSignIn.as_view(),
        name="oidc_authentication_callback",
    ),
]
