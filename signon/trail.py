"""Sign-ins in the audit trail: each one made on the sign-in page or with the provider, and each
refused provider sign-in (with the message the person read).

Wrong passwords are not recorded here: django-axes counts and logs them (access.logins).
"""

from __future__ import annotations

from typing import Any

from access.logins import client_address
from audit.services import audit_record

SIGN_IN = "signin"
REFUSED = "signin.refused"


def record_sign_in(request: Any, user: Any, method: str) -> None:
    audit_record(
        user=user,
        action=SIGN_IN,
        summary=f"{user.get_username()} signed in ({method})",
        detail={"method": method, "address": client_address(request)},
    )


def record_refusal(request: Any, message: str, user: Any = None) -> None:
    audit_record(
        user=user,
        action=REFUSED,
        summary=message,
        detail={"method": "provider", "address": client_address(request)},
    )
