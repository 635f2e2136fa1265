"""Sessions end when idle (SESSION_IDLE_MINUTES), stay alive while used, and expired ones are
deleted on the worker's schedule."""

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_q.models import Schedule

from access.sessions import LOGGED_IN_KEY, SEEN_KEY, clear_expired_sessions
from proctoring.schedules import ensure_schedules
from signon.backends import user_by_id
from tests.fixtures.personas import PASSWORD

pytestmark = pytest.mark.django_db


def logged_in_by_password(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return Session.objects.get(session_key=client.session.session_key)


def test_a_new_session_lasts_the_idle_limit_not_two_weeks(client, proctor, settings):
    session = logged_in_by_password(client, proctor)

    lifetime = session.expire_date - timezone.now()
    assert timedelta(minutes=59) < lifetime <= timedelta(minutes=settings.SESSION_IDLE_MINUTES)


def test_an_idle_session_is_over_and_asks_to_log_in_again(client, proctor):
    session = logged_in_by_password(client, proctor)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get("/attempts/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_using_the_dashboard_pushes_the_end_forward(client, proctor):
    session = logged_in_by_password(client, proctor)
    store = client.session
    store[SEEN_KEY] = 0  # last renewed long ago
    store.save()
    soon = timezone.now() + timedelta(minutes=5)
    Session.objects.filter(pk=session.pk).update(expire_date=soon)

    assert client.get("/attempts/").status_code == 200

    assert Session.objects.get(pk=session.pk).expire_date > soon + timedelta(minutes=50)


def test_expired_sessions_are_deleted_on_a_schedule(client, proctor, outsider):
    logged_in_by_password(client, proctor)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    ensure_schedules()
    schedule = Schedule.objects.get(func="access.sessions.clear_expired_sessions")
    assert schedule.minutes == 24 * 60
    clear_expired_sessions()

    assert not Session.objects.exists()


def test_an_active_session_still_ends_session_max_hours_after_its_log_in(client, proctor, settings):
    logged_in_by_password(client, proctor)
    limit = settings.SESSION_MAX_HOURS * 3600

    def logged_in_ago(seconds):
        store = client.session
        store[LOGGED_IN_KEY] = int(time.time()) - seconds
        store[SEEN_KEY] = int(time.time())  # busy: the idle limit is far away
        store.save()

    logged_in_ago(limit - 60)
    assert client.get("/attempts/").status_code == 200

    logged_in_ago(limit + 1)
    response = client.get("/attempts/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_the_session_store_reads_a_live_session_and_not_one_a_moment_past_its_end(client, proctor):
    """The store's own read (access.sessions.SessionStore) compares the end as stored, to the
    second's fraction, on both databases; a session past its end gives a fresh, empty one."""
    session = logged_in_by_password(client, proctor)
    store_class = type(client.session)
    assert store_class.__module__ == "access.sessions"

    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(seconds=2))
    assert store_class(session.session_key).load()[LOGGED_IN_KEY]

    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - timedelta(milliseconds=5)
    )
    past = store_class(session.session_key)
    assert past.load() == {}
    assert past.session_key is None  # a save starts a new session, not the stale key's
    assert store_class("short").load() == {}  # a malformed key: nothing read


def test_the_user_a_session_names_is_read_whole_as_the_orm_reads_it(client, proctor, outsider):
    """signon.backends.user_by_id (every request's user) gives what the ORM gives, times
    with their time zone on both databases; an inactive or deleted user is logged out."""
    logged_in_by_password(client, proctor)
    read = user_by_id(proctor.pk)
    expected = type(proctor).objects.get(pk=proctor.pk)
    for field in type(proctor)._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(expected, field.attname), field.name
    assert timezone.is_aware(read.last_login) and timezone.is_aware(read.date_joined)
    assert user_by_id(10**9) is None

    type(proctor).objects.filter(pk=proctor.pk).update(is_active=False)
    response = client.get("/attempts/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
