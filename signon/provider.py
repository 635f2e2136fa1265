"""The institution's OpenID Connect provider, as its discovery document describes it.

Only the issuer (or the discovery document's address) is configured: the endpoints, the signing
keys' address and the end-session address are read from the document the provider publishes,
so a provider that moves an endpoint needs no change here. The document is fetched on the first
sign-in and kept in the cache for DOCUMENT_SECONDS; nothing is fetched while nobody signs in
with the provider (a password sign-in, a management command, start-up).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.core.cache import cache

LOGGER = logging.getLogger(__name__)
DOCUMENT_SECONDS = 3600
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


class ProviderUnavailable(Exception):
    """The discovery document could not be read or is unusable; the message says which."""


def enabled() -> bool:
    return bool(settings.OIDC_DISCOVERY_URL)


def provider_host() -> str:
    return urlsplit(settings.OIDC_DISCOVERY_URL).netloc


def document() -> dict:
    """The provider's discovery document (cached), checked against the settings."""
    found = _fetched(settings.OIDC_DISCOVERY_URL)
    missing = [name for name in REQUIRED if not isinstance(found, dict) or not found.get(name)]
    if missing:
        raise ProviderUnavailable(
            f"The sign-in service at {provider_host()} publishes no {', '.join(missing)} in "
            "its discovery document; check OIDC_ISSUER or OIDC_DISCOVERY_URL."
        )
    expected = settings.OIDC_ISSUER
    if expected and found["issuer"].rstrip("/") != expected.rstrip("/"):
        raise ProviderUnavailable(
            f"The discovery document names the issuer {found['issuer']!r}, not OIDC_ISSUER "
            f"{expected!r}: set OIDC_ISSUER to the provider's issuer exactly."
        )
    return found


def _fetched(url: str) -> object:
    key = f"signon:discovery:{url}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        found = response.json()
    except (requests.RequestException, ValueError) as error:
        LOGGER.warning("OIDC discovery document %s could not be read: %s", url, error)
        raise ProviderUnavailable(
            f"The sign-in service at {provider_host()} could not be reached. Try again in a "
            "minute; if it keeps failing, tell your administrator (the server log says why)."
        ) from None
    cache.set(key, found, DOCUMENT_SECONDS)
    return found


def end_session_url(post_logout_redirect_uri: str) -> str | None:
    """Where the browser can end its session at the provider (OpenID Connect RP-Initiated
    Logout), when the provider publishes such an endpoint. The ID token is never put in it
    (it would sit in the browser's history); the client id says who asks."""
    try:
        endpoint = document().get("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": post_logout_redirect_uri,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
