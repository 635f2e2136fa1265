"""Create the groups "Proctor" and "Test admin" with their permissions.

The role definition is frozen here as it was when this migration was written; later changes to
dashboard.roles need a new migration.
"""

from django.db import migrations

PROCTOR_PERMISSIONS = [
    ("proctoring", "attempt", "view_attempt"),
    ("proctoring", "evidencerecord", "view_evidencerecord"),
]
ROLES = {
    "Proctor": PROCTOR_PERMISSIONS,
    "Test admin": [
        *PROCTOR_PERMISSIONS,
        ("proctoring", "attempt", "export_attempts"),
        ("proctoring", "attempt", "view_usage"),
        ("proctoring", "attempt", "run_sync"),
        ("proctoring", "attempt", "use_console"),
        ("proctoring", "usagesnapshot", "view_usagesnapshot"),
        ("proctoring", "syncrun", "view_syncrun"),
    ],
}


def create_roles(apps, schema_editor):
    from access.roles import ensure_roles

    ensure_roles(apps, roles=ROLES)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("proctoring", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
