"""Account-wide permissions are refused to anyone who holds them only on some tests.

Credits and usage, the sync, the API console and retention concern the whole AutoProctor
account, not a test: a scope cannot cut them down to size, so a role limited to tests does not
give them. This backend comes first in AUTHENTICATION_BACKENDS and raises PermissionDenied for
such a permission, which stops Django's permission check before any other backend (the model
backend, a single sign-on backend) can grant it. Every `has_perm` obeys it: `require`, `can`,
the templates' `perms`, the admin.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied

from access.scopes import scope_of

ACCOUNT_WIDE = frozenset(
    {
        "proctoring.view_usage",
        "proctoring.run_sync",
        "proctoring.use_console",
        "proctoring.view_usagesnapshot",
        "proctoring.view_syncrun",
        "retention.manage_retention",
    }
)


class ScopeBackend:
    """Authenticates nobody and loads no user (so no session is ever tied to it): it only
    vetoes account-wide permissions held within a scope."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    async def ahas_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return await sync_to_async(self.has_perm)(user_obj, perm, obj)

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not user_obj.is_active or user_obj.is_superuser:
            return False
        # Read for every permission, before the model backend: the one query that reads the
        # scopes also gives that backend the groups' permissions (access.scopes).
        scope = scope_of(user_obj, perm)
        if perm in ACCOUNT_WIDE and scope.patterns:  # held, but only on some tests
            raise PermissionDenied
        return False
