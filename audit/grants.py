"""The audit trail of role and scope changes: every set_grants that changed something."""

from __future__ import annotations

from typing import Any

from access.scopes import describe, grants_changed
from audit.services import audit_record

ACTION = "access.grants"


def record_grants_change(
    sender: Any, *, user: Any, before: dict, after: dict, source: str, **kwargs: Any
) -> None:
    """One entry per change, naming the user, the roles before and after, and the source."""

    def words(grants: dict) -> str:
        return "; ".join(f"{role} on {describe(p)}" for role, p in sorted(grants.items())) or "none"

    audit_record(
        user=user,
        action=ACTION,
        summary=f"{user.get_username()}: {words(before)} → {words(after)} ({source})",
        detail={"before": before, "after": after, "source": source},
    )


grants_changed.connect(record_grants_change, dispatch_uid="audit.record_grants_change")
