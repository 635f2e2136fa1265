"""Grant the review permissions to the roles: reviewing to "Proctor" and "Test admin",
overturning another reviewer's verdict and reading the audit trail to "Test admin".

The grants come from dashboard.roles.ROLES, the one definition of the roles: ensure_roles()
adds whatever a group lacks and changes nothing else, so running it again is harmless and a
fresh database ends up with exactly the roles ROLES declares.
"""

from django.db import migrations


# dashboard.roles.ROLES as it was when this migration ran.
_PROCTOR = [
    ("proctoring", "attempt", "view_attempt"),
    ("proctoring", "evidencerecord", "view_evidencerecord"),
    ("proctoring", "reviewstate", "review_attempts"),
]
ROLES = {
    "Proctor": _PROCTOR,
    "Test admin": [
        *_PROCTOR,
        ("proctoring", "attempt", "export_attempts"),
        ("proctoring", "attempt", "view_usage"),
        ("proctoring", "attempt", "run_sync"),
        ("proctoring", "attempt", "use_console"),
        ("proctoring", "usagesnapshot", "view_usagesnapshot"),
        ("proctoring", "syncrun", "view_syncrun"),
        ("proctoring", "reviewstate", "overturn_verdicts"),
        ("dashboard", "auditevent", "view_auditevent"),
    ],
}


def grant_review_permissions(apps, schema_editor):
    from access.roles import ensure_roles

    ensure_roles(apps, roles=ROLES)


def revoke_review_permissions(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    added = permission_model.objects.filter(
        codename__in=["review_attempts", "overturn_verdicts", "view_auditevent"]
    )
    for group in group_model.objects.filter(name__in=["Proctor", "Test admin"]):
        group.permissions.remove(*added)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0003_audit_event"),
        ("proctoring", "0003_review"),
    ]

    operations = [migrations.RunPython(grant_review_permissions, revoke_review_permissions)]
