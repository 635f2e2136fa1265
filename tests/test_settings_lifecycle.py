"""The retention, webhook and mail settings: bad values stop start-up with a message that
names the variable and the fix."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_choice, env_email_url, env_url_list

ROOT = Path(__file__).resolve().parent.parent


def test_webhook_urls_are_a_comma_separated_list_of_urls():
    urls = env_url_list("HOOKS", {"HOOKS": "https://a.example/h, http://b.example:8080/x?t=1"})
    assert urls == ["https://a.example/h", "http://b.example:8080/x?t=1"]
    with pytest.raises(ImproperlyConfigured, match="HOOKS holds 'a.example/h'"):
        env_url_list("HOOKS", {"HOOKS": "https://ok.example, a.example/h"})


def test_the_attempts_action_is_erase_or_delete():
    assert env_choice("ACTION", "erase", ("erase", "delete"), {"ACTION": "Delete"}) == "delete"
    with pytest.raises(ImproperlyConfigured, match="ACTION='purge' is not one of: erase, delete"):
        env_choice("ACTION", "erase", ("erase", "delete"), {"ACTION": "purge"})


def test_email_url_gives_djangos_mail_settings():
    assert env_email_url("EMAIL_URL", {}) == {}
    starttls = env_email_url("EMAIL_URL", {"EMAIL_URL": "smtp://me%40x.org:p%2Fw@mail.x.org"})
    assert starttls == {
        "EMAIL_HOST": "mail.x.org",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "me@x.org",
        "EMAIL_HOST_PASSWORD": "p/w",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }
    tls = env_email_url("EMAIL_URL", {"EMAIL_URL": "smtps://mail.x.org"})
    assert (tls["EMAIL_PORT"], tls["EMAIL_USE_SSL"], tls["EMAIL_USE_TLS"]) == (465, True, False)
    relay = env_email_url("EMAIL_URL", {"EMAIL_URL": "smtp://localhost:25?tls=false"})
    assert (relay["EMAIL_PORT"], relay["EMAIL_USE_TLS"]) == (25, False)
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL is not a mail server URL"):
        env_email_url("EMAIL_URL", {"EMAIL_URL": "mail.x.org:25"})


def start_up(**environ) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SECRET_KEY": "x" * 50, **environ}
    return subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_webhooks_without_a_secret_stop_start_up():
    done = start_up(NOTIFY_WEBHOOK_URL="https://hooks.example/p", NOTIFY_WEBHOOK_SECRET="")
    assert done.returncode != 0
    assert "NOTIFY_WEBHOOK_URL is set but NOTIFY_WEBHOOK_SECRET is not" in done.stderr


def test_a_negative_retention_stops_start_up():
    done = start_up(RETAIN_EVIDENCE_DAYS="-1")
    assert "RETAIN_EVIDENCE_DAYS=-1 is too small; the minimum is 0." in done.stderr


def test_email_url_and_email_host_together_stop_start_up():
    done = start_up(EMAIL_URL="smtp://mail.x.org", EMAIL_HOST="other.x.org")
    assert "Set either EMAIL_URL or EMAIL_HOST" in done.stderr
