"""The admin gives roles and test scopes too: on a user's page (Groups, and Test scopes), and on
a group's page (the scopes of every member without their own). The user's changes are audited
like grant_role's."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from access.models import RoleScope
from access.roles import PROCTOR, ensure_roles
from access.scopes import grants_of, scope_of, set_grants
from audit.models import AuditEvent
from tests.fixtures.data import make_attempt
from tests.fixtures.personas import logged_in, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    return logged_in(root)


def user_form(user, groups, scopes):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "is_active": "on",
        "groups": [group.pk for group in groups],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "role_scopes-TOTAL_FORMS": str(len(scopes)),
        "role_scopes-INITIAL_FORMS": "0",
        "role_scopes-MIN_NUM_FORMS": "0",
        "role_scopes-MAX_NUM_FORMS": "1000",
    }
    for n, (group, pattern) in enumerate(scopes):
        data[f"role_scopes-{n}-group"] = group.pk
        data[f"role_scopes-{n}-pattern"] = pattern
    return data


def test_a_role_and_its_tests_given_in_the_admin_limit_the_user_and_are_audited(admin_client):
    alice = make_user("alice")
    proctor = ensure_roles()[PROCTOR]
    url = reverse("admin:auth_user_change", args=[alice.pk])
    assert b"Test scopes" in admin_client.get(url).content

    response = admin_client.post(url, user_form(alice, [proctor], [(proctor, "biology-*")]))

    assert response.status_code == 302, response.content.decode()[-3000:]
    assert grants_of(alice) == {PROCTOR: ["biology-*"]}
    assert RoleScope.objects.get(user=alice).source == "admin"
    event = AuditEvent.objects.get(action="access.grants")
    assert event.detail["after"] == {PROCTOR: ["biology-*"]}
    assert event.detail["source"] == "admin (root)"


def test_a_bad_pattern_is_refused_with_its_reason_and_nothing_changes(admin_client):
    alice = make_user("alice")
    proctor = ensure_roles()[PROCTOR]
    url = reverse("admin:auth_user_change", args=[alice.pk])
    too_long = "biology-" + "x" * 300
    response = admin_client.post(url, user_form(alice, [proctor], [(proctor, too_long)]))
    assert response.status_code == 200
    assert "at most 255 characters" in response.content.decode()
    assert grants_of(alice) == {}


def test_a_group_carries_scopes_for_its_members(admin_client):
    staff = Group.objects.create(name="Biology staff")
    staff.permissions.set(ensure_roles()[PROCTOR].permissions.all())
    carol = make_user("carol")
    carol.groups.add(staff)
    make_attempt(lookup_key="biology-1")
    url = reverse("admin:auth_group_change", args=[staff.pk])
    data = {
        "name": staff.name,
        "permissions": list(staff.permissions.values_list("pk", flat=True)),
        "scopes-TOTAL_FORMS": "1",
        "scopes-INITIAL_FORMS": "0",
        "scopes-MIN_NUM_FORMS": "0",
        "scopes-MAX_NUM_FORMS": "1000",
        "scopes-0-pattern": "biology-*",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    row = RoleScope.objects.get(group=staff)
    assert (row.user, row.pattern, row.source) == (None, "biology-*", "admin")
    assert scope_of(type(carol).objects.get(pk=carol.pk)).patterns == {"biology-*"}


def test_a_staff_user_with_a_scoped_role_cannot_use_the_admin(django_user_model):
    """The admin lists every test's rows: no scope holds there, so it is closed to them."""
    staff = make_user("staff", is_staff=True)
    set_grants(staff, {PROCTOR: []}, source="cli")
    client = logged_in(staff)
    assert client.get(reverse("admin:proctoring_attempt_changelist")).status_code == 200
    set_grants(staff, {PROCTOR: ["biology-*"]}, source="cli")
    staff = django_user_model.objects.get(pk=staff.pk)
    client = logged_in(staff)
    for url in [reverse("admin:index"), reverse("admin:proctoring_attempt_changelist")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
