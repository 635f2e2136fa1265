"""The access helpers decide on their own, not only behind the views' decorators: a view that
reaches an attempt, an evidence record or a verdict through them is safe even if its own
`require(...)` were forgotten or too loose. Roles here are groups holding single permissions,
the way an administrator might compose them in the admin."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied

from access.permissions import attempt_for, evidence_record_for
from review.permissions import may_give_verdict, may_write_context_notes
from tests.fixtures.data import make_attempt, make_records
from tests.fixtures.personas import make_user

pytestmark = pytest.mark.django_db


def user_with(*codenames):
    group = Group.objects.create(name="+".join(codenames) or "nothing")
    group.permissions.add(*Permission.objects.filter(codename__in=codenames))
    user = make_user("-".join(codenames) or "nobody")
    user.groups.add(group)
    return user


@pytest.fixture
def record():
    return make_records(make_attempt(), "tab-switch")[0]


def test_an_attempt_is_refused_to_a_user_who_may_not_view_attempts(record):
    with pytest.raises(PermissionDenied):
        attempt_for(user_with("view_evidencerecord", "review_attempts"), record.attempt_id)
    assert attempt_for(user_with("view_attempt"), record.attempt_id) == record.attempt


def test_evidence_takes_both_the_attempt_and_the_evidence_permission(record):
    for codenames in (("view_attempt",), ("view_evidencerecord",)):
        with pytest.raises(PermissionDenied):
            evidence_record_for(user_with(*codenames), record.attempt_id, record.pk)
    allowed = user_with("view_attempt", "view_evidencerecord")
    assert evidence_record_for(allowed, record.attempt_id, record.pk) == record


def test_a_verdict_takes_both_the_attempt_and_the_review_permission():
    assert not may_give_verdict(user_with("view_attempt"), None)
    assert not may_give_verdict(user_with("review_attempts"), None)
    assert may_give_verdict(user_with("view_attempt", "review_attempts"), None)


def test_test_and_candidate_notes_take_the_attempt_review_and_overturn_permissions():
    for codenames in (
        ("view_attempt", "review_attempts"),
        ("view_attempt", "overturn_verdicts"),
        ("review_attempts", "overturn_verdicts"),
    ):
        assert not may_write_context_notes(user_with(*codenames)), codenames
    test_admin = user_with("view_attempt", "review_attempts", "overturn_verdicts")
    assert may_write_context_notes(test_admin)


def test_the_roles_permissions_have_the_names_the_admin_shows():
    """The migration creates the permissions before Django's own handler would, so the names
    an administrator reads in the admin's group form are the ones given here."""
    names = dict(Permission.objects.values_list("codename", "name"))
    assert names["use_console"] == "Can use the AutoProctor API console"
    assert names["run_sync"] == "Can see sync status and start a sync"
    assert names["overturn_verdicts"] == "Can change a verdict another reviewer gave"
