"""Scopes: a role limited to tests by lookup-key patterns (access.scopes, grant_role)."""

import html
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils.functional import SimpleLazyObject

from access.models import RoleScope
from access.permissions import EXPORT_ATTEMPTS, VIEW_ATTEMPTS, VIEW_USAGE
from access.roles import PROCTOR, TEST_ADMIN
from access.scopes import (
    NO_TEST,
    SEE_ATTEMPTS,
    grants_of,
    is_scoped,
    may_see,
    scope_of,
    set_grants,
    visible_attempts,
)
from audit.models import AuditEvent
from dashboard.sorting import Sort
from proctoring.models import Attempt
from tests.fixtures.data import make_attempts, make_records
from tests.fixtures.personas import make_user

pytestmark = pytest.mark.django_db

KEYS = [
    "biology-101",
    "biology-202",
    "Biology-303",  # another case: another test
    "biologyX101",
    "chemistry-1",
    "ENGB2/unit-1",
    "ENGB2-unit-1",
    "50%_off",
    "50XYoff",
    "a[b]c",
    "",
]


@pytest.fixture
def tests_attempts():
    return make_attempts(len(KEYS), lookup_key=lambda i: KEYS[i])


def seen(user, permission=SEE_ATTEMPTS):
    return sorted(visible_attempts(user, permission).values_list("lookup_key", flat=True))


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_the_default_permission_is_the_one_views_check():
    assert SEE_ATTEMPTS == VIEW_ATTEMPTS


def test_a_role_without_scope_reaches_every_test_and_attempts_without_a_test(tests_attempts):
    alice = make_user("alice", PROCTOR)
    assert seen(alice) == sorted(KEYS)
    assert scope_of(alice).unrestricted


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        (["biology-*"], ["biology-101", "biology-202"]),
        (["ENGB2/*"], ["ENGB2/unit-1"]),
        (["biology-?0?"], ["biology-101", "biology-202"]),
        (["50%_off"], ["50%_off"]),  # % and _ are literal, not LIKE's wildcards
        (["a[b]c"], ["a[b]c"]),  # brackets are literal, not a character class
        (["*"], [k for k in sorted(KEYS) if k]),  # every test, never an attempt without one
        (["nothing-*"], []),
        (["chemistry-1", "biology-2*"], ["biology-202", "chemistry-1"]),
    ],
)
def test_patterns_match_whole_lookup_keys_case_sensitively_in_sql_and_python(
    tests_attempts, patterns, expected
):
    alice = make_user("alice")
    set_grants(alice, {PROCTOR: patterns}, source="cli")
    alice = fresh(alice)
    assert seen(alice) == expected
    assert sorted(k for k in KEYS if may_see(alice, k)) == expected


def test_a_scope_applies_to_the_permissions_of_its_role_only(tests_attempts):
    bob = make_user("bob")
    set_grants(bob, {PROCTOR: [], TEST_ADMIN: ["biology-*"]}, source="cli")
    bob = fresh(bob)
    assert seen(bob) == sorted(KEYS)  # Proctor reaches every test
    assert seen(bob, EXPORT_ATTEMPTS) == ["biology-101", "biology-202"]  # exports only biology


def test_roles_scopes_add_up(tests_attempts):
    bob = make_user("bob")
    set_grants(bob, {PROCTOR: ["chemistry-*"], TEST_ADMIN: ["biology-1*"]}, source="cli")
    assert seen(fresh(bob)) == ["biology-101", "chemistry-1"]


def test_a_group_can_carry_patterns_for_its_members(tests_attempts):
    staff = Group.objects.create(name="Biology staff")
    staff.permissions.set(Group.objects.get(name=PROCTOR).permissions.all())
    RoleScope.objects.create(group=staff, pattern="biology-*")
    carol, dave = make_user("carol"), make_user("dave")
    carol.groups.add(staff)
    dave.groups.add(staff)
    RoleScope.objects.create(group=staff, user=dave, pattern="chemistry-*")
    assert seen(fresh(carol)) == ["biology-101", "biology-202"]
    assert seen(fresh(dave)) == ["chemistry-1"]  # a member's own rows replace the group's
    out = io.StringIO()
    call_command("grant_role", "dave", "--show", stdout=out)
    assert out.getvalue() == "dave has no dashboard role.\ngroup Biology staff: chemistry-*\n"


def test_direct_permissions_and_superusers_reach_every_test(tests_attempts):
    from django.contrib.auth.models import Permission

    direct = make_user("direct")
    set_grants(direct, {PROCTOR: ["biology-*"]}, source="cli")
    direct.user_permissions.add(Permission.objects.get(codename="view_attempt"))
    assert seen(fresh(direct)) == sorted(KEYS)
    assert seen(fresh(direct), "review.review_attempts") == ["biology-101", "biology-202"]
    root = make_user("root", is_superuser=True)
    assert seen(root) == sorted(KEYS)
    nobody = make_user("nobody")
    assert seen(nobody) == []
    assert not may_see(nobody, "biology-101")


def test_set_grants_replaces_roles_and_scopes_and_grants_of_reads_them_back():
    alice = make_user("alice", TEST_ADMIN)
    outside = Group.objects.create(name="Newsletter")
    alice.groups.add(outside)
    set_grants(alice, {PROCTOR: ["biology-*", "ENGB2/*", "biology-*"]}, source="oidc")
    assert grants_of(alice) == {PROCTOR: ["ENGB2/*", "biology-*"]}
    assert set(alice.groups.values_list("name", flat=True)) == {PROCTOR, "Newsletter"}
    set_grants(alice, {PROCTOR: []}, source="oidc")
    assert grants_of(alice) == {PROCTOR: []}
    assert not RoleScope.objects.filter(user=alice).exists()
    set_grants(alice, {}, source="oidc")
    assert grants_of(alice) == {}


def test_set_grants_refuses_an_unknown_role_or_a_bad_pattern_and_changes_nothing():
    alice = make_user("alice")
    set_grants(alice, {PROCTOR: ["biology-*"]}, source="cli")
    with pytest.raises(ValueError, match="Unknown role 'Reviewer'; the roles are: 'Proctor'"):
        set_grants(alice, {"Reviewer": [], TEST_ADMIN: []}, source="cli")
    with pytest.raises(ValueError, match="cannot be empty"):
        set_grants(alice, {TEST_ADMIN: [""]}, source="cli")
    with pytest.raises(ValueError, match="as a list"):
        set_grants(alice, {TEST_ADMIN: "biology-*"}, source="cli")
    assert grants_of(alice) == {PROCTOR: ["biology-*"]}


def test_set_grants_updates_the_permissions_of_the_same_user_object(tests_attempts):
    alice = make_user("alice", PROCTOR)
    assert len(seen(alice)) == len(KEYS)
    set_grants(alice, {PROCTOR: ["chemistry-*"]}, source="cli")
    assert seen(alice) == ["chemistry-1"]
    set_grants(alice, {}, source="cli")
    assert seen(alice) == []


def test_each_change_is_audited_with_its_source_and_no_change_is_not(
    django_capture_on_commit_callbacks,
):
    alice = make_user("alice")
    with django_capture_on_commit_callbacks(execute=True):
        set_grants(alice, {PROCTOR: ["biology-*"]}, source="oidc")
        set_grants(alice, {PROCTOR: ["biology-*"]}, source="oidc")
    (event,) = AuditEvent.objects.filter(action="access.grants")
    assert event.detail == {"before": {}, "after": {PROCTOR: ["biology-*"]}, "source": "oidc"}
    assert "Proctor on biology-*" in event.summary


def test_scopes_cost_no_query_beyond_djangos_own_permission_check(django_assert_num_queries):
    """Django reads a user's own and their groups' permissions in two queries; here both come
    in one, with the scopes of every permission, so a page costs less than without scopes."""
    alice = make_user("alice")
    set_grants(alice, {PROCTOR: ["biology-*"], TEST_ADMIN: ["chemistry-*"]}, source="cli")
    alice = fresh(alice)
    with django_assert_num_queries(1):
        assert alice.has_perm(VIEW_ATTEMPTS)
        assert not alice.has_perm(VIEW_USAGE)  # account-wide, held on chemistry-* only
        assert scope_of(alice).patterns == {"biology-*", "chemistry-*"}
        assert scope_of(alice, EXPORT_ATTEMPTS).patterns == {"chemistry-*"}
        assert scope_of(alice, "auth.add_user") == NO_TEST


def test_grant_role_with_tests_show_and_remove(capsys, django_user_model):
    make_user("alice")
    call_command("grant_role", "alice", "proctor", "--tests", "biology-*", "--tests", "ENGB2/*")
    call_command("grant_role", "alice", TEST_ADMIN)
    capsys.readouterr()
    call_command("grant_role", "alice", "--show")
    assert capsys.readouterr().out == "Proctor: ENGB2/*, biology-*\nTest admin: every test\n"
    call_command("grant_role", "alice", PROCTOR, "--remove")
    assert grants_of(django_user_model.objects.get(username="alice")) == {TEST_ADMIN: []}
    with pytest.raises(CommandError, match="--remove takes the whole role away"):
        call_command("grant_role", "alice", TEST_ADMIN, "--remove", "--tests", "x")
    with pytest.raises(CommandError, match="cannot be empty"):
        call_command("grant_role", "alice", TEST_ADMIN, "--tests", " ")
    assert grants_of(django_user_model.objects.get(username="alice")) == {TEST_ADMIN: []}


@pytest.mark.parametrize("patterns", [["biology-*"], ["biology-*", "ENGB2/*"]])
def test_a_scope_is_a_prefix_range_on_an_index_not_a_scan(patterns):
    """A million attempts and a scope of one course: the rows of the course are found by a
    range on an index of lookup_key (each pattern's literal prefix), never by reading all."""
    from tests.test_list_indexes import plan_of

    make_attempts(3)
    alice = make_user("alice")
    set_grants(alice, {PROCTOR: patterns}, source="cli")
    plan = plan_of(visible_attempts(fresh(alice)).values("pk"))
    if connection.vendor == "postgresql":
        assert plan.count("Index Cond: (((lookup_key)::text ~>=~") == len(patterns), plan
    else:
        assert plan.count("(lookup_key>? AND lookup_key<?)") == len(patterns), plan


def test_overturning_takes_the_overturn_permission_on_the_attempts_test():
    """Proctor everywhere and test admin on biology-*: a colleague's verdict or dismissal may
    be changed on a biology attempt only."""
    from review import services
    from review.models import ReviewState
    from review.permissions import may_give_verdict, may_restore

    bob = make_user("bob", TEST_ADMIN)
    mixed = make_user("mixed")
    set_grants(mixed, {PROCTOR: [], TEST_ADMIN: ["biology-*"]}, source="cli")
    mixed = fresh(mixed)
    for key, allowed in [("biology-1", True), ("chemistry-1", False)]:
        (attempt,) = make_attempts(1, lookup_key=key)
        services.set_verdict(user=bob, attempt=attempt, verdict="violation", reason="seen")
        (record,) = make_records(attempt, "tab-switch")
        dismissal, _ = services.dismiss_record(user=bob, record=record, reason="allowed")
        assert may_give_verdict(mixed, ReviewState.objects.get(attempt=attempt)) is allowed
        assert may_restore(mixed, dismissal) is allowed


def test_the_request_users_lazy_wrapper_shares_the_scopes_read_for_its_permissions(
    django_assert_num_queries,
):
    """`request.user` is a lazy wrapper: the permission check (on the user object) and the
    page's scope filter (on the wrapper) read the scopes once between them."""
    alice = make_user("alice")
    set_grants(alice, {PROCTOR: ["biology-*"]}, source="cli")
    wrapped = fresh(alice)
    lazy = SimpleLazyObject(lambda: wrapped)
    with django_assert_num_queries(1):
        assert lazy.has_perm(VIEW_ATTEMPTS)
        assert scope_of(lazy).patterns == {"biology-*"}
        assert is_scoped(lazy)


@pytest.mark.parametrize("order", ["-submitted", "trust", "-started", "candidate"])
def test_a_user_limited_to_named_tests_pages_through_exactly_their_rows_in_order(client, order):
    """Such a list reads each named test apart (dashboard.pagination._per_test): the pages
    still hold every row of those tests once, in the sort's order, and nothing else."""
    make_attempts(
        120,  # 80 visible: two pages
        lookup_key=lambda i: ["maths-1", "maths-2", "physics-1"][i % 3],
        trust_score=lambda i: None if i % 7 == 0 else (i % 5) / 10,
    )
    bob = make_user("bob")
    set_grants(bob, {TEST_ADMIN: ["maths-1", "maths-2"]}, source="cli")
    client.force_login(bob)
    url, seen = f"/attempts/?o={order}", []
    while url:
        page = client.get(url).content.decode()
        seen += [int(pk) for pk in re.findall(r'href="/attempts/(\d+)/"', page)]
        following = re.search(r'href="([^"]*)" rel="next"', page)
        url = "/attempts/" + html.unescape(following.group(1)) if following else None
    sort = Sort.from_param(order)
    mine = Attempt.objects.filter(lookup_key__in=["maths-1", "maths-2"])
    assert len(seen) == 80
    assert seen == [row.pk for row in sort.annotate(mine).order_by(*sort.order_by())]
