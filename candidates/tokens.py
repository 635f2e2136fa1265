"""Response-link tokens: random, stored only as a keyed hash, looked up without leaking time.

A token is 32 random bytes (URL-safe Base64, 43 characters). The database keeps its HMAC-SHA256
under SECRET_KEY with a salt of its own purpose, so a copy of the database opens no link, and
a token made for anything else (or altered by one character) matches no row. The row is found
by the hash, then the hashes are compared with `hmac.compare_digest`: the time taken depends
on nothing an attacker chooses.
"""

from __future__ import annotations

import hmac
import re
import secrets

from django.utils.crypto import salted_hmac

from candidates.models import ResponseLink

PURPOSE = "candidates.response-link"
TOKEN_BYTES = 32
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return salted_hmac(PURPOSE, token, algorithm="sha256").hexdigest()


def link_for(token: str) -> ResponseLink | None:
    """The link the token opens (live, expired or revoked), or None for a token we never gave."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    digest = token_hash(token)
    link = ResponseLink.objects.select_related("attempt").filter(token_hash=digest).first()
    if link is None or not hmac.compare_digest(link.token_hash, digest):
        return None
    return link
