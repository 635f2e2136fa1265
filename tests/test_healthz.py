"""/healthz tells a load balancer whether this process can reach the database and the broker."""

import json
import os
import subprocess
import sys

import pytest
from django.test import override_settings

from config.health.probe import host_name_for_probe
from config.health.probe import main as healthcheck_main
from tests.integration.services import ROOT, free_port, redis_url_or_skip

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_for_database_and_broker_without_login(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_served_over_plain_http_while_other_pages_redirect_to_https(client):
    with override_settings(SECURE_SSL_REDIRECT=True):
        health = client.get("/healthz")
        login = client.get("/accounts/login/")

    assert health.status_code == 200
    assert login.status_code == 301
    assert login["Location"].startswith("https://")


def test_healthz_only_answers_reads(client):
    assert client.post("/healthz").status_code == 405


def test_healthz_pings_redis_when_the_queue_runs_on_redis(client):
    with override_settings(REDIS_URL=redis_url_or_skip()):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


def test_an_unreachable_redis_is_a_503_that_names_the_broker_and_hides_the_url(client, caplog):
    url = f"redis://:redis-password-xyz@127.0.0.1:{free_port()}/0"
    with override_settings(REDIS_URL=url):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "broker": "error"}
    assert "redis-password-xyz" not in response.content.decode()
    assert "redis-password-xyz" not in caplog.text
    assert "broker" in caplog.text


def test_an_unreachable_database_is_a_503_that_names_the_database_and_hides_the_url():
    """A process whose PostgreSQL is down still answers, quickly, and reveals no credentials."""
    script = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print('RESPONSE', r.status_code, r.content.decode())"
    )
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "a-test-key-that-is-only-used-for-this-one-subprocess",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"postgres://dash:db-password-xyz@127.0.0.1:{free_port()}/dash",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    status, body = result.stdout.split("RESPONSE ", 1)[1].split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {"status": "error", "database": "error", "broker": "error"}
    assert "db-password-xyz" not in result.stdout + result.stderr
    # The log (JSON lines, production's format) says which checks failed.
    log_lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert {line["check"] for line in log_lines if "check" in line} == {"database", "broker"}


def test_the_container_probe_asks_with_a_host_name_the_site_accepts():
    assert host_name_for_probe(["proctoring.example.org", "other.example.org"]) == (
        "proctoring.example.org"
    )
    assert host_name_for_probe([".example.org"]) == "probe.example.org"
    assert host_name_for_probe(["*"]) == "localhost"
    assert host_name_for_probe([]) == "localhost"


def test_the_container_probe_reports_a_web_server_that_does_not_answer_as_unhealthy(capsys):
    assert healthcheck_main(["web", "--port", str(free_port())]) == 1
    assert capsys.readouterr().out.startswith("unhealthy: no answer on port")
