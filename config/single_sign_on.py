"""Settings of single sign-on with the institution's OpenID Connect provider (the signon app),
read from the environment; config/settings.py takes them all.

Off unless OIDC_ISSUER (or OIDC_DISCOVERY_URL) is set. The endpoints and keys are read from the
provider's discovery document on the first sign-in (signon.provider), so nothing here reaches
the network. The role map's syntax is checked when the app starts (signon.role_map).
"""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_float, env_secret, env_str, env_url

__all__ = [
    "LOCAL_LOGIN",
    "OIDC_BUTTON_LABEL",
    "OIDC_DISCOVERY_URL",
    "OIDC_GROUPS_CLAIM",
    "OIDC_ISSUER",
    "OIDC_ROLE_MAP",
    "OIDC_RP_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET",
    "OIDC_RP_SCOPES",
    "OIDC_RP_SIGN_ALGO",
    "OIDC_TIMEOUT",
    "OIDC_USE_PKCE",
]

OIDC_ISSUER = env_url("OIDC_ISSUER")
OIDC_DISCOVERY_URL = env_url("OIDC_DISCOVERY_URL")
if OIDC_ISSUER and OIDC_DISCOVERY_URL:
    raise ImproperlyConfigured(
        "Set either OIDC_ISSUER (the discovery document is then read from "
        "<issuer>/.well-known/openid-configuration) or OIDC_DISCOVERY_URL, not both."
    )
if OIDC_ISSUER:
    OIDC_DISCOVERY_URL = f"{OIDC_ISSUER}/.well-known/openid-configuration"
# mozilla-django-oidc's names (OIDC_RP_*) for the variables named in docs/configuration.md.
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_secret("OIDC_CLIENT_SECRET")
_scopes = env_str("OIDC_SCOPES", "openid email profile").replace(",", " ").split()
if "openid" not in _scopes:
    raise ImproperlyConfigured(
        f"OIDC_SCOPES={' '.join(_scopes)!r} lacks openid, without which the provider sends no "
        "ID token; e.g. OIDC_SCOPES='openid email profile'."
    )
OIDC_RP_SCOPES = " ".join(_scopes)
OIDC_RP_SIGN_ALGO = env_choice(
    "OIDC_SIGN_ALGO", "rs256", ("rs256", "rs384", "rs512", "es256", "es384", "es512")
).upper()
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
# Which groups give which role on which tests:
# `exam-office=Test admin; course-bio101-staff=Proctor:bio101-*`.
OIDC_ROLE_MAP = env_str("OIDC_ROLE_MAP")
OIDC_BUTTON_LABEL = env_str("OIDC_BUTTON_LABEL", "Sign in with your institution's account")
OIDC_TIMEOUT = env_float("OIDC_TIMEOUT", 10.0, minimum=1.0, maximum=120.0)
OIDC_USE_PKCE = True
# Password sign-in; off: only superusers sign in with a password (a way in when the provider
# is down), everyone else with the provider.
LOCAL_LOGIN = env_bool("LOCAL_LOGIN", default=True)

if OIDC_DISCOVERY_URL:
    _missing = [
        name
        for name, value in (
            ("OIDC_CLIENT_ID", OIDC_RP_CLIENT_ID),
            ("OIDC_CLIENT_SECRET (or OIDC_CLIENT_SECRET_FILE)", OIDC_RP_CLIENT_SECRET),
        )
        if not value
    ]
    if _missing:
        raise ImproperlyConfigured(
            f"Single sign-on is configured (OIDC_ISSUER or OIDC_DISCOVERY_URL) but "
            f"{' and '.join(_missing)} is not set: copy it from the provider's registration "
            "of this dashboard."
        )
elif OIDC_RP_CLIENT_ID or OIDC_ROLE_MAP:
    raise ImproperlyConfigured(
        "OIDC_CLIENT_ID or OIDC_ROLE_MAP is set but neither OIDC_ISSUER nor OIDC_DISCOVERY_URL "
        "is: set the provider's issuer to switch single sign-on on."
    )
if not LOCAL_LOGIN and not OIDC_DISCOVERY_URL:
    raise ImproperlyConfigured(
        "LOCAL_LOGIN=false leaves only superusers a way to sign in: set OIDC_ISSUER (single "
        "sign-on) as well, or LOCAL_LOGIN=true."
    )
