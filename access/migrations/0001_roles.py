"""Create the groups "Proctor" and "Test admin" with the permissions access.roles.ROLES gives.

On a database set up before, the groups exist (dashboard migrations created them): ensure_roles
adds only what a group lacks, so this changes nothing there. A later change to ROLES ships with
a migration that calls ensure_roles again.
"""

from django.db import migrations


def create_roles(apps, schema_editor):
    from access.roles import ensure_roles

    ensure_roles(apps)


def remove_roles(apps, schema_editor):
    from access.roles import ROLES

    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
