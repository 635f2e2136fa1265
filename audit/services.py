"""Recording the audit trail: one call per audited action, from the view that performs it."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from audit.models import AuditEvent
from autoproctor.storable import storable
from proctoring.models import Attempt


def audit_record(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    action: str,
    attempt: Attempt | None = None,
    summary: str = "",
    detail: dict | None = None,
    actor: str = "",
) -> AuditEvent:
    """Append an AuditEvent for `user` doing `action` (optionally about `attempt`).

    `detail` must hold only what an auditor may read: never a secret, a signature key or a
    presigned URL. `actor` names who acted when it is no user (e.g. "candidate", for what a
    candidate does through a response link).
    """
    return AuditEvent.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        username=actor or getattr(user, "get_username", lambda: "")() or "anonymous",
        action=action,
        attempt=attempt,
        # What a request carried (a filter, a message) may hold a NUL, which PostgreSQL's text
        # and jsonb refuse: it is stored as U+FFFD, like text from AutoProctor.
        summary=storable(summary[:500]),
        detail=storable(detail or {}),
    )
