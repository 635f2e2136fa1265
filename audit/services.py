"""Recording the audit trail: one call per audited action, from the view that performs it."""

from audit.models import AuditEvent


def audit_record(*, user, action, attempt=None, summary="", detail=None):
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
