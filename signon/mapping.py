"""From a signed-in person's claims to their dashboard account and grants.

Applied at every sign-in with the provider (signon.backends), through access.scopes.set_grants
with source "oidc": the grants are replaced by what the groups give now, so a group removed at
the provider takes its role away at the next sign-in. Groups the map does not name give nothing
and are logged.
"""

from __future__ import annotations

import logging
from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from access.roles import ROLES
from access.scopes import set_grants
from autoproctor.storable import storable_text
from signon.models import ProviderIdentity
from signon.role_map import Entry, grants_for, groups_in, parse_role_map

LOGGER = logging.getLogger(__name__)
USERNAME_LENGTH = 150


class SignInRefused(Exception):
    """A sign-in with the provider that must not succeed; the message is shown to the person
    and recorded in the audit trail (it never holds a token or a secret)."""

    def __init__(self, message: str, user=None):
        super().__init__(message)
        self.user = user


@cache
def role_map() -> tuple[Entry, ...]:
    return parse_role_map(settings.OIDC_ROLE_MAP, ROLES)


@receiver(setting_changed)
def forget_role_map(setting: str, **kwargs) -> None:
    """A test that changes OIDC_ROLE_MAP gets the new map."""
    if setting == "OIDC_ROLE_MAP":
        role_map.cache_clear()


def sign_in(issuer: str, claims: dict):
    """The account of the person `claims` describe, with their grants applied now."""
    groups = groups_in(claims, settings.OIDC_GROUPS_CLAIM)
    grants, unmapped = grants_for(role_map(), groups)
    if unmapped:
        LOGGER.info(
            "Sign-in of %s at %s: groups with no entry in OIDC_ROLE_MAP give nothing: %s",
            claims["sub"],
            issuer,
            ", ".join(unmapped),
        )
    identity = (
        ProviderIdentity.objects.select_related("user")
        .filter(issuer=issuer, subject=claims["sub"])
        .first()
    )
    if identity is None and not grants:
        raise SignInRefused(_no_role_message())
    with transaction.atomic():
        if identity is None:
            user = _new_user(claims)
            identity = ProviderIdentity.objects.create(
                user=user, issuer=issuer, subject=claims["sub"]
            )
        else:
            user = identity.user
            _update_user(user, claims)
        identity.last_sign_in = timezone.now()
        identity.save(update_fields=["last_sign_in"])
        if user.is_active:
            set_grants(user, grants, source="oidc")
    if not user.is_active:
        raise SignInRefused(
            "Your dashboard account is switched off. Ask an administrator to switch it on.",
            user=user,
        )
    if not grants:
        raise SignInRefused(_no_role_message(), user=user)
    return user


def _no_role_message() -> str:
    return (
        "You signed in, but none of your groups at your institution gives access to this "
        "dashboard. Ask your administrator to add you to a group that does."
    )


def _profile(claims: dict) -> dict[str, str]:
    def text(name: str, length: int) -> str:
        value = claims.get(name)
        return storable_text(value)[:length] if isinstance(value, str) else ""

    return {
        "email": text("email", 254),
        "first_name": text("given_name", 150),
        "last_name": text("family_name", 150),
    }


def _new_user(claims: dict):
    """A new account named after the person's preferred user name (or email, or subject); a
    name already taken gets a number, so no existing account is ever reused."""
    user_model = get_user_model()
    base = ""
    for name in ("preferred_username", "email", "sub"):
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            base = storable_text(value.strip())[: USERNAME_LENGTH - 4]
            break
    username, number = base, 1
    while user_model.objects.filter(username__iexact=username).exists():
        number += 1
        username = f"{base}-{number}"
    user = user_model(username=username, **_profile(claims))
    user.set_unusable_password()
    user.save()
    return user


def _update_user(user, claims: dict) -> None:
    profile = {name: value for name, value in _profile(claims).items() if value}
    changed = [name for name, value in profile.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, profile[name])
    if changed:
        user.save(update_fields=changed)
