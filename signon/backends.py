"""The two ways to sign in: with the institution's provider, and with a local password.

`ProviderBackend` is mozilla-django-oidc's authorization-code backend (state, nonce and PKCE
are the library's), with what it leaves out added: the ID token's audience, issuer and expiry
are checked (PyJWT), the account is found by issuer and subject rather than by email address,
the claims of the ID token and the userinfo endpoint are read together (Entra ID puts groups
only in the ID token), and the grants come from the groups at every sign-in (signon.mapping).

`LocalPasswordBackend` is Django's password backend, refusing everyone but superusers when
LOCAL_LOGIN is off: the institution's accounts then sign in only with the provider, and a
superuser keeps a way in when the provider is down.

Both find the user a session names (`get_user`, on every request) with a query written once
(`user_by_id`), not one the ORM builds and compiles each time (about half of that read's CPU).
"""

from __future__ import annotations

from functools import cache

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from signon import provider
from signon.mapping import SignInRefused, sign_in

# Seconds of clock difference tolerated between the provider and this server.
CLOCK_LEEWAY = 60


def user_by_id(user_id):
    """The user with this primary key, or None: what `UserModel.objects.get(pk=...)` gives."""
    return next(iter(get_user_model()._default_manager.raw(_user_sql(), [user_id])), None)


@cache
def _user_sql() -> str:
    model = get_user_model()
    quote = connection.ops.quote_name
    return (
        f"SELECT * FROM {quote(model._meta.db_table)} "  # noqa: S608 (model metadata)
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )


class SessionUser:
    """`get_user` of both backends: the user `user_by_id` reads, while the account is active
    (Django's rule, which the OIDC library's own `get_user` drops)."""

    def get_user(self, user_id):
        user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class LocalPasswordBackend(SessionUser, ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and not settings.LOCAL_LOGIN and not user.is_superuser:
            return None
        return user


class ProviderBackend(SessionUser, OIDCAuthenticationBackend):
    def __init__(self, *args, **kwargs):
        # The library reads the endpoints here; they come from the discovery document, fetched
        # only when a sign-in with the provider is being finished (authenticate).
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        # Only the callback passes a nonce; a password sign-in never reaches the provider.
        if request is None or "nonce" not in kwargs or not provider.enabled():
            return None
        found = provider.document()
        self.issuer = found["issuer"]
        self.OIDC_OP_TOKEN_ENDPOINT = found["token_endpoint"]
        self.OIDC_OP_JWKS_ENDPOINT = found["jwks_uri"]
        self.OIDC_OP_USER_ENDPOINT = found.get("userinfo_endpoint")
        return super().authenticate(request, **kwargs)

    def _verify_jws(self, payload, key):
        try:
            algorithm = jwt.get_unverified_header(payload).get("alg")
            if algorithm != self.OIDC_RP_SIGN_ALGO:
                raise SignInRefused(
                    f"The sign-in service signed its token with {algorithm}, not "
                    f"{self.OIDC_RP_SIGN_ALGO}; set OIDC_SIGN_ALGO to the provider's algorithm."
                )
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=self.issuer,
                leeway=CLOCK_LEEWAY,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.InvalidAudienceError:
            raise SignInRefused(
                "The sign-in service's token was issued for another application (its audience "
                "is not this dashboard's OIDC_CLIENT_ID), so it was refused."
            ) from None
        except jwt.ExpiredSignatureError:
            raise SignInRefused(
                "The sign-in service's token had already expired, so it was refused. Try "
                "again; if it keeps happening, check the server's clock."
            ) from None
        except jwt.InvalidIssuerError:
            raise SignInRefused(
                "The sign-in service's token names another issuer than its discovery "
                "document, so it was refused."
            ) from None
        except jwt.InvalidTokenError as error:
            raise SignInRefused(f"The sign-in service's token was refused: {error}.") from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SignInRefused(
                "The sign-in service's token was issued to another application (azp), so it "
                "was refused."
            )
        return claims

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, completed by the userinfo endpoint's when there is one."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            info = super().get_userinfo(access_token, id_token, payload)
            if info.get("sub") != payload["sub"]:
                raise SignInRefused(
                    "The sign-in service's userinfo answer is about someone else than its "
                    "token, so it was refused."
                )
            claims.update(info)
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        return sign_in(self.issuer, self.get_userinfo(access_token, id_token, payload))
