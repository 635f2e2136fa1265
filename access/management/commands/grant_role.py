"""`python manage.py grant_role <username> "Test admin"`: give a user a dashboard role.

The same can be done in the Django admin (Users → groups); this is for the first users of a
fresh installation and for scripts. `--remove` takes the role away again.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from access.roles import ROLES, ensure_roles


class Command(BaseCommand):
    help = "Add a user to a dashboard role (group): " + ", ".join(f'"{name}"' for name in ROLES)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", help=" or ".join(ROLES))
        parser.add_argument("--remove", action="store_true", help="take the role away instead")

    def handle(self, *args: str, username: str, role: str, remove: bool, **options: object) -> None:
        names = {name.casefold(): name for name in ROLES}
        if role.casefold() not in names:
            raise CommandError(f"Unknown role {role!r}; the roles are: {', '.join(ROLES)}.")
        role = names[role.casefold()]
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist:
            raise CommandError(
                f"No user {username!r}. Create it first: python manage.py createsuperuser, or "
                "Users → Add user in the admin."
            ) from None
        group = ensure_roles()[role]
        if remove:
            user.groups.remove(group)
            self.stdout.write(f"{username} no longer has the role {role}.")
        else:
            user.groups.add(group)
            self.stdout.write(f"{username} now has the role {role}.")
