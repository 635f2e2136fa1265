"""A new installation's overview: until a sync has stored attempts, test admins see what is set
up and what is missing, each with the setting or command that fixes it; everyone else is told
to ask their test admin. The client secret is only ever "set" or "missing"."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from proctoring.models import SyncRun
from proctoring.schedules import ensure_schedules
from proctoring.worker import worker_state
from tests.fixtures.data import make_attempt

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-value-never-shown"


@pytest.fixture
def fresh_installation(settings):
    settings.AUTOPROCTOR_CLIENT_ID = ""
    settings.AUTOPROCTOR_CLIENT_SECRET = ""
    settings.AUTOPROCTOR_BASE_URL = "https://www.autoproctor.co"
    settings.REDIS_URL = ""


@pytest.fixture
def configured(settings):
    settings.AUTOPROCTOR_CLIENT_ID = "tenant-42"
    settings.AUTOPROCTOR_CLIENT_SECRET = SECRET
    settings.AUTOPROCTOR_BASE_URL = "https://www.autoproctor.co"
    settings.REDIS_URL = ""
    ensure_schedules()


def overview(client) -> str:
    response = client.get(reverse("overview"))
    assert response.status_code == 200
    return response.content.decode()


def step_states(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-step="([a-z_]+)" data-done="([a-z]+)"', page))


def missing_titles(page: str) -> str:
    alert = re.search(r"<div[^>]*data-setup-missing>(.*?)</div>", page, re.S)
    return re.sub(r"<[^>]+>", "", alert[1]).strip() if alert else ""


def test_a_fresh_installation_lists_exactly_what_is_missing_with_the_fix(
    test_admin_client, fresh_installation
):
    page = overview(test_admin_client)

    assert "Getting started" in page
    assert step_states(page) == {
        "client_id": "no",
        "client_secret": "no",
        "base_url": "yes",
        "schedules": "no",
        "worker": "unknown",
        "first_sync": "no",
    }
    assert missing_titles(page) == (
        "Still missing: AutoProctor client id, AutoProctor client secret, Sync schedules, "
        "First sync."
    )
    for fix in (
        "Set AUTOPROCTOR_CLIENT_ID",
        "Set AUTOPROCTOR_CLIENT_SECRET",
        "AUTOPROCTOR_CLIENT_SECRET_FILE",
        "python manage.py setup_schedules",
        "python manage.py qcluster",
        "python manage.py sync_autoproctor",
    ):
        assert fix in page
    assert "Check my account" in page
    # Nothing to type a secret into: the only fields are the forms' hidden CSRF tokens.
    inputs = re.findall(r"<input[^>]*>", page)
    assert inputs and all('type="hidden"' in field for field in inputs)


def test_once_configured_the_secret_shows_as_set_and_never_its_value(test_admin_client, configured):
    page = overview(test_admin_client)

    states = step_states(page)
    assert states["client_id"] == states["client_secret"] == states["schedules"] == "yes"
    assert states["worker"] == "yes"  # the schedules are not overdue
    assert SECRET not in page
    assert missing_titles(page) == "Still missing: First sync."


def test_a_failed_first_sync_says_why(test_admin_client, configured):
    SyncRun.objects.create(
        kind=SyncRun.Kind.RESULTS,
        status=SyncRun.Status.FAILED,
        finished_at=timezone.now(),
        error_summary="AutoProctor refused the credentials: check AUTOPROCTOR_CLIENT_SECRET.",
    )

    page = overview(test_admin_client)

    assert step_states(page)["first_sync"] == "no"
    assert "AutoProctor refused the credentials" in page


def test_other_roles_are_told_to_ask_their_test_admin_and_see_no_settings(
    proctor_client, fresh_installation
):
    page = overview(proctor_client)

    assert "Ask your test admin" in page
    assert "AUTOPROCTOR_" not in page
    assert "data-step" not in page
    assert reverse("sync-progress") not in page


def test_the_overview_returns_once_a_sync_has_stored_attempts(test_admin_client, configured):
    make_attempt()

    page = overview(test_admin_client)

    assert "Getting started" not in page
    assert "Median trust score" in page


def test_a_schedule_long_past_due_means_no_worker_is_running(settings):
    settings.REDIS_URL = ""
    assert worker_state().running is None
    ensure_schedules()
    assert worker_state().running is True

    Schedule.objects.update(next_run=timezone.now() - timedelta(minutes=10))

    state = worker_state()
    assert state.running is False
    assert "has not run" in state.detail
