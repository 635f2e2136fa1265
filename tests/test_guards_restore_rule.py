"""Counting dismissed evidence again (review/permissions.py, `may_restore`): whoever dismissed
it, while they may still review; another reviewer's dismissal takes a test admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission

from review.models import EvidenceDismissal
from review.permissions import may_restore
from tests.fixtures.personas import PROCTOR, TEST_ADMIN, make_user

pytestmark = pytest.mark.django_db


def dismissed_by(user) -> EvidenceDismissal:
    return EvidenceDismissal(dismissed_by_id=user.pk)


def test_a_reviewer_may_restore_their_own_dismissal_only():
    dana, eli = make_user("dana", PROCTOR), make_user("eli", PROCTOR)
    assert may_restore(dana, dismissed_by(dana))
    assert not may_restore(eli, dismissed_by(dana))


def test_a_test_admin_may_restore_anyones_dismissal():
    dana, admin = make_user("dana", PROCTOR), make_user("admin", TEST_ADMIN)
    assert may_restore(admin, dismissed_by(dana))


def test_a_reviewer_who_may_no_longer_review_may_not_restore_their_own_dismissal():
    viewers = Group.objects.create(name="Viewers")
    viewers.permissions.add(Permission.objects.get(codename="view_attempt"))
    former = make_user("former")
    former.groups.add(viewers)
    assert not may_restore(former, dismissed_by(former))
    reviewer_only = make_user("reviewer_only")
    reviewer_only.user_permissions.add(Permission.objects.get(codename="review_attempts"))
    assert not may_restore(reviewer_only, dismissed_by(reviewer_only))
    assert not may_restore(AnonymousUser(), EvidenceDismissal(dismissed_by_id=None))
