"""Recording the audit trail: one call per audited action, from the view that performs it."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from audit.models import AuditEvent
from proctoring.models import Attempt


def audit_record(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    action: str,
    attempt: Attempt | None = None,
    summary: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Append an AuditEvent for `user` doing `action` (optionally about `attempt`).

    `detail` must hold only what an auditor may read: never a secret, a signature key or a
    presigned URL.
    """
    return AuditEvent.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        username=getattr(user, "get_username", lambda: "")() or "anonymous",
        action=action,
        attempt=attempt,
        summary=summary[:500],
        detail=detail or {},
    )
