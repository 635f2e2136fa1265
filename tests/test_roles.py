"""The roles exist after `migrate` with exactly their permissions, and can be granted."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command

from access.permissions import can
from access.roles import PERMISSION_NAMES, PROCTOR, ROLES, TEST_ADMIN, ensure_roles

pytestmark = pytest.mark.django_db


def codenames(group):
    return {
        (perm.content_type.app_label, perm.content_type.model, perm.codename)
        for perm in group.permissions.select_related("content_type")
    }


def test_the_migration_creates_both_groups_with_their_permissions():
    for name, permissions in ROLES.items():
        assert codenames(Group.objects.get(name=name)) == set(permissions)


def test_a_test_admin_can_do_everything_a_proctor_can_and_more():
    assert set(ROLES[PROCTOR]) < set(ROLES[TEST_ADMIN])


def test_granting_a_role_gives_its_permissions(django_user_model):
    user = django_user_model.objects.create_user("dana", password="pw")
    call_command("grant_role", "dana", "test admin")
    user = django_user_model.objects.get(pk=user.pk)  # fresh permission cache
    assert can(user, "proctoring.view_attempt", "proctoring.export_attempts")


def test_removing_a_role_takes_its_permissions_away(django_user_model, proctor):
    call_command("grant_role", proctor.username, PROCTOR, "--remove")
    proctor = django_user_model.objects.get(pk=proctor.pk)
    assert not can(proctor, "proctoring.view_attempt")


def test_granting_an_unknown_role_or_to_an_unknown_user_says_what_is_wrong(proctor):
    with pytest.raises(CommandError, match="Unknown role 'Reviewer'; the roles are: Proctor"):
        call_command("grant_role", proctor.username, "Reviewer")
    with pytest.raises(CommandError, match="No user 'nobody'. Create it first"):
        call_command("grant_role", "nobody", PROCTOR)


def test_roles_recreated_where_their_permissions_are_missing_get_the_names_the_admin_shows():
    """`ensure_roles` (grant_role, a flushed database) creates a missing permission under the
    readable name Django's own handler would give it, not under its bare codename."""
    roles_codenames = {codename for permissions in ROLES.values() for *_, codename in permissions}
    Permission.objects.filter(codename__in=roles_codenames).delete()
    Group.objects.filter(name__in=ROLES).delete()

    groups = ensure_roles()

    for name, permissions in ROLES.items():
        assert codenames(groups[name]) == set(permissions)
    created = Permission.objects.filter(codename__in=roles_codenames)
    assert dict(created.values_list("codename", "name")) == PERMISSION_NAMES
