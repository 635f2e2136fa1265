"""The sign-in and sign-out pages, and the two steps of a sign-in with the provider.

Starting (`oidc_authentication_init`) sends the browser to the provider with a fresh state,
nonce and PKCE challenge; finishing (`oidc_authentication_callback`) checks them and the token
(mozilla-django-oidc, signon.backends). Whatever goes wrong on the way lands back on the
sign-in page with a message saying what and what to do, and is recorded in the audit trail;
the details (never a token) go to the log.
"""

from __future__ import annotations

import logging

import requests
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.generic import View
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from signon import provider
from signon.mapping import SignInRefused
from signon.trail import record_refusal, record_sign_in

LOGGER = logging.getLogger(__name__)
# Session key: this session was signed in with the provider (logout then offers its end-session).
SIGNED_IN_WITH_PROVIDER = "signon_provider"


class SignInView(auth_views.LoginView):
    """Django's log-in page, with the institution's button when single sign-on is configured."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            provider_enabled=provider.enabled(),
            provider_label=settings.OIDC_BUTTON_LABEL,
            local_login=settings.LOCAL_LOGIN,
            **kwargs,
        )

    def form_valid(self, form):
        response = super().form_valid(form)
        record_sign_in(self.request, form.get_user(), "password")
        return response


class SignOutView(auth_views.LogoutView):
    """Ends the dashboard session; after a sign-in with the provider, offers the provider's
    end-session address too (the person may share the computer)."""

    def post(self, request, *args, **kwargs):
        if not request.session.get(SIGNED_IN_WITH_PROVIDER):
            return super().post(request, *args, **kwargs)
        auth.logout(request)
        sign_in_page = request.build_absolute_uri(reverse("login"))
        return render(
            request,
            "registration/signed_out.html",
            {"end_session_url": provider.end_session_url(sign_in_page)},
        )


def _back_to_sign_in(request, message: str, user=None):
    record_refusal(request, message, user=user)
    messages.error(request, message)
    return HttpResponseRedirect(reverse("login"))


class StartProviderSignIn(OIDCAuthenticationRequestView):
    def __init__(self, *args, **kwargs):
        # The library reads the endpoint here; it comes from the discovery document (get).
        View.__init__(self, *args, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request):
        if not provider.enabled():
            raise Http404("Single sign-on is not configured (OIDC_ISSUER).")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider.document()["authorization_endpoint"]
        except provider.ProviderUnavailable as error:
            return _back_to_sign_in(request, str(error))
        return super().get(request)


class FinishProviderSignIn(OIDCAuthenticationCallbackView):
    def get(self, request):
        if not provider.enabled():
            raise Http404("Single sign-on is not configured (OIDC_ISSUER).")
        if request.GET.get("error"):
            LOGGER.warning(
                "The OIDC provider answered the sign-in with an error: %s",
                request.GET["error"][:100],
            )
            # The state is spent either way, so it cannot be replayed.
            request.session.get("oidc_states", {}).pop(request.GET.get("state"), None)
            request.session.modified = True
            return _back_to_sign_in(
                request,
                "The sign-in service did not sign you in (it answered "
                f"{request.GET['error'][:60]!r}). Try again, or ask your administrator.",
            )
        if "oidc_states" not in request.session:
            return _back_to_sign_in(
                request,
                "The sign-in could not be finished: this browser has no sign-in in progress "
                "(were cookies blocked, or the page opened twice?). Start again from this page.",
            )
        try:
            return super().get(request)
        except SuspiciousOperation as error:
            LOGGER.warning("OIDC sign-in refused: %s", error)
            return _back_to_sign_in(
                request,
                "This sign-in does not match the one this browser started (its state or nonce "
                "is wrong or was used before), so it was refused. Start again from this page.",
            )
        except SignInRefused as refusal:
            return _back_to_sign_in(request, str(refusal), user=refusal.user)
        except provider.ProviderUnavailable as error:
            return _back_to_sign_in(request, str(error))
        except requests.RequestException as error:
            LOGGER.warning("OIDC sign-in failed talking to the provider: %s", error)
            return _back_to_sign_in(
                request,
                "The sign-in service did not accept this sign-in (the code may have expired or "
                "been used). Start again from this page; the server log says more.",
            )

    def login_failure(self):
        return _back_to_sign_in(
            self.request,
            "The sign-in could not be finished. Start again from this page; if it keeps "
            "failing, ask your administrator (the server log says why).",
        )

    def login_success(self):
        response = super().login_success()
        self.request.session[SIGNED_IN_WITH_PROVIDER] = True
        record_sign_in(self.request, self.user, "provider")
        return response
