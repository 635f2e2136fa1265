"""`python manage.py grant_role alice Proctor --tests "biology-*"`: give a user a dashboard role.

Without `--tests` the role reaches every test; with them (repeatable, shell-style lookup-key
patterns), only those tests. Granting a role again replaces its tests; the user's other roles
stay. `--remove` takes the role away, `--show` lists the user's roles and tests. The same can be
done in the Django admin (Users → a user → Test scopes). Every change goes through
access.scopes.set_grants, which the audit trail records.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from access.models import RoleScope
from access.roles import ROLES
from access.scopes import describe, grants_of, set_grants


class Command(BaseCommand):
    help = "Give a user a dashboard role (" + ", ".join(f'"{name}"' for name in ROLES) + "), "
    help += "on every test or on the tests matching --tests patterns."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", nargs="?", help=" or ".join(ROLES))
        parser.add_argument(
            "--tests",
            action="append",
            default=[],
            metavar="PATTERN",
            help='only the tests whose lookup key matches, e.g. "biology-*" (repeatable; '
            "* any characters, ? one character, case-sensitive)",
        )
        parser.add_argument("--remove", action="store_true", help="take the role away instead")
        parser.add_argument("--show", action="store_true", help="list the user's roles and tests")

    def handle(self, *args: str, username: str, role: str | None, **options: object) -> None:
        user = self._user(username)
        if options["show"]:
            if role or options["tests"] or options["remove"]:
                raise CommandError("--show lists the roles: give it the username only.")
            self._show(user)
            return
        if not role:
            raise CommandError(f"Name a role ({', '.join(ROLES)}), or --show the user's roles.")
        role = self._role(role)
        grants = grants_of(user)
        if options["remove"]:
            if options["tests"]:
                raise CommandError(
                    "--remove takes the whole role away. To change its tests, grant the role "
                    "again with the tests it should keep."
                )
            grants.pop(role, None)
        else:
            grants[role] = list(options["tests"])
        try:
            set_grants(user, grants, source="cli")
        except ValueError as error:
            raise CommandError(str(error)) from None
        if options["remove"]:
            self.stdout.write(f"{username} no longer has the role {role}.")
        else:
            self.stdout.write(f"{username} now has the role {role} on {describe(grants[role])}.")

    def _user(self, username: str):
        user_model = get_user_model()
        try:
            return user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist:
            raise CommandError(
                f"No user {username!r}. Create it first: python manage.py createsuperuser, or "
                "Users → Add user in the admin."
            ) from None

    def _role(self, role: str) -> str:
        names = {name.casefold(): name for name in ROLES}
        if role.casefold() not in names:
            raise CommandError(f"Unknown role {role!r}; the roles are: {', '.join(ROLES)}.")
        return names[role.casefold()]

    def _show(self, user) -> None:
        grants = grants_of(user)
        if not grants:
            self.stdout.write(f"{user.get_username()} has no dashboard role.")
        for role, patterns in grants.items():
            self.stdout.write(f"{role}: {describe(patterns)}")
        # Other groups with scopes of their own limit what their permissions give the user.
        carried = (
            RoleScope.objects.filter(group__user=user)
            .exclude(group__name__in=list(ROLES))
            .filter(Q(user=user) | Q(user__isnull=True))
            .order_by("group__name", "-user", "pattern")
            .values_list("group__name", "user", "pattern")
        )
        by_group: dict[str, dict[bool, list[str]]] = {}
        for group, own, pattern in carried:
            by_group.setdefault(group, {}).setdefault(own is not None, []).append(pattern)
        for group, patterns in by_group.items():
            mine = patterns.get(True) or patterns[False]
            self.stdout.write(f"group {group}: {describe(mine)}")
        if user.is_superuser:
            self.stdout.write("(superuser: every permission on every test)")
