"""The two roles of the dashboard, as Django groups holding permissions.

Views never test group names: they check permissions (access.permissions). The groups only
bundle those permissions so an administrator can give someone a role in one step. Migration
0001 creates the groups on `migrate`; `ensure_roles()` recreates them on demand (the
`grant_role` command, and tests whose database was flushed).

ROLES is the one definition of the roles. A permission added to a role here also needs a data
migration that grants it to existing installations (like 0004_review_roles, which calls
`ensure_roles` with this ROLES); tests/test_roles.py checks that the migrated groups equal it.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth.models import Group

PROCTOR = "Proctor"
TEST_ADMIN = "Test admin"

_PROCTOR_PERMISSIONS = [
    ("proctoring", "attempt", "view_attempt"),
    ("proctoring", "evidencerecord", "view_evidencerecord"),
    ("review", "reviewstate", "review_attempts"),
]

ROLES = {
    PROCTOR: _PROCTOR_PERMISSIONS,
    TEST_ADMIN: [
        *_PROCTOR_PERMISSIONS,
        ("proctoring", "attempt", "export_attempts"),
        ("proctoring", "attempt", "view_usage"),
        ("proctoring", "attempt", "run_sync"),
        ("proctoring", "attempt", "use_console"),
        ("proctoring", "usagesnapshot", "view_usagesnapshot"),
        ("proctoring", "syncrun", "view_syncrun"),
        ("review", "reviewstate", "overturn_verdicts"),
        ("review", "pertestthreshold", "change_pertestthreshold"),
        ("audit", "auditevent", "view_auditevent"),
        ("retention", "legalhold", "manage_retention"),
    ],
}

# Names Django's post_migrate handler would give these permissions, so that whichever of the
# two creates a permission first, the other finds it (by content type and codename) and agrees.
PERMISSION_NAMES = {
    "view_attempt": "Can view attempt",
    "view_evidencerecord": "Can view evidence record",
    "export_attempts": "Can export attempts to CSV",
    "view_usage": "Can view credit usage",
    "run_sync": "Can see sync status and start a sync",
    "use_console": "Can use the AutoProctor API console",
    "view_usagesnapshot": "Can view usage snapshot",
    "view_syncrun": "Can view sync run",
    "review_attempts": "Can give verdicts, write notes and dismiss evidence",
    "overturn_verdicts": "Can change a verdict another reviewer gave",
    "view_auditevent": "Can view audit event",
    "manage_retention": "Can place and release legal holds and read the purge log",
    "change_pertestthreshold": "Can change per test threshold",
}


def ensure_roles(
    apps: Apps = global_apps, roles: dict[str, list[tuple[str, str, str]]] | None = None
) -> dict[str, Group]:
    """Create the groups and their permissions if missing; return {group name: group}.

    `apps` is an app registry: the historical one inside a migration, the live one elsewhere.
    Permissions are created here with get_or_create because Django only creates them in its
    post_migrate handler, which runs after every migration, including this one.
    """
    content_type_model = apps.get_model("contenttypes.contenttype")
    permission_model = apps.get_model("auth.permission")
    group_model = apps.get_model("auth.group")
    groups = {}
    for group_name, permissions in (roles or ROLES).items():
        group, _ = group_model.objects.get_or_create(name=group_name)
        for app_label, model, codename in permissions:
            content_type, _ = content_type_model.objects.get_or_create(
                app_label=app_label, model=model
            )
            permission, _ = permission_model.objects.get_or_create(
                content_type=content_type,
                codename=codename,
                defaults={"name": PERMISSION_NAMES.get(codename, codename)},
            )
            group.permissions.add(permission)
        groups[group_name] = group
    return groups
