"""LOCAL_LOGIN=false: only superusers sign in with a password (on both log-in pages), the rest
with the institution's provider; and the start-up checks of the single sign-on settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from audit.models import AuditEvent
from tests.fixtures.personas import PASSWORD, make_user

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


@pytest.fixture
def passwords_for_superusers_only(settings):
    settings.OIDC_DISCOVERY_URL = "https://login.example.edu/.well-known/openid-configuration"
    settings.OIDC_BUTTON_LABEL = "Sign in with Example University"
    settings.LOCAL_LOGIN = False


def log_in(client, username, page="/accounts/login/"):
    return client.post(page, {"username": username, "password": PASSWORD})


@pytest.mark.parametrize("page", ["/accounts/login/", "/admin/login/"])
def test_a_normal_user_is_refused_a_password_sign_in(client, page, passwords_for_superusers_only):
    make_user("alice", "Proctor", is_staff=True)
    response = log_in(client, "alice", page)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_superuser_keeps_a_way_in_with_a_password(client, passwords_for_superusers_only):
    root = make_user("root", is_superuser=True, is_staff=True)
    response = log_in(client, "root")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(root.pk)
    event = AuditEvent.objects.get(action="signin")
    assert (event.username, event.detail["method"]) == ("root", "password")


def test_the_sign_in_page_leads_with_the_institutions_button(client, passwords_for_superusers_only):
    page = client.get("/accounts/login/?next=/review/").content.decode()
    assert 'href="/accounts/oidc/authenticate/?next=/review/"' in page
    assert "Sign in with Example University" in page
    assert "Password sign-in is kept for the dashboard's superusers" in page


def test_with_local_login_on_both_ways_are_offered(client, settings):
    settings.OIDC_DISCOVERY_URL = "https://login.example.edu/.well-known/openid-configuration"
    make_user("alice", "Proctor")
    page = client.get("/accounts/login/").content.decode()
    assert "or with a dashboard password" in page
    assert log_in(client, "alice").status_code == 302


def start_up(**environ) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SECRET_KEY": "x" * 50, **environ}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(  # noqa: S603 (our own interpreter)
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
            "django.setup(); from django.conf import settings; "
            "print(settings.OIDC_RP_CLIENT_SECRET == 'from a file', settings.OIDC_DISCOVERY_URL)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


ISSUER = {"OIDC_ISSUER": "https://login.example.edu/realms/exams", "OIDC_CLIENT_ID": "dash"}


def test_single_sign_on_settings_start_up_with_the_secret_from_a_file(tmp_path):
    (tmp_path / "secret").write_text("from a file\n")
    done = start_up(**ISSUER, OIDC_CLIENT_SECRET_FILE=str(tmp_path / "secret"), LOCAL_LOGIN="no")
    assert done.stdout.split() == [
        "True",
        "https://login.example.edu/realms/exams/.well-known/openid-configuration",
    ], done.stderr


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"LOCAL_LOGIN": "false"}, "LOCAL_LOGIN=false leaves only superusers a way to sign in"),
        (ISSUER, "OIDC_CLIENT_SECRET (or OIDC_CLIENT_SECRET_FILE) is not set"),
        ({"OIDC_ROLE_MAP": "a=Proctor"}, "neither OIDC_ISSUER nor OIDC_DISCOVERY_URL is"),
        (
            {**ISSUER, "OIDC_CLIENT_SECRET": "s", "OIDC_ROLE_MAP": "office=Tests admin"},
            "OIDC_ROLE_MAP entry 1 ('office=Tests admin'): 'Tests admin' is not a role",
        ),
        ({**ISSUER, "OIDC_CLIENT_SECRET": "s", "OIDC_SCOPES": "email"}, "lacks openid"),
    ],
)
def test_a_mistake_in_the_single_sign_on_settings_stops_start_up(environ, message):
    done = start_up(**environ)
    assert done.returncode != 0
    assert message in done.stderr
