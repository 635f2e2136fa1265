"""Production settings: HTTPS, cookies, HSTS and log format follow the environment, safely.

Each check starts the settings in a process of its own, exactly as a deployment does, because
the test settings deliberately run over plain HTTP.
"""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from config.log_format import JsonFormatter

ROOT = Path(__file__).resolve().parent.parent
A_STRONG_KEY = "k3Y-" + "qZ8xW2vN5mR7tB4yH6jL9pC1sD3fG0aE" * 2


def documented_production_environment() -> dict[str, str]:
    """The variables .env.example sets (its uncommented lines), as an operator would copy them."""
    environment = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            environment[name.strip()] = value.strip()
    return environment


def run_in_production(args: list[str], tmp_path: Path, **variables: str):
    """Run `args` as the image runs: DEBUG off, secrets from files, the given variables."""
    key_file = tmp_path / "django_secret_key"
    key_file.write_text(A_STRONG_KEY)
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY_FILE": str(key_file),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.update(variables)
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def production_settings(tmp_path: Path, **variables: str) -> dict:
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({name: getattr(s, name, None) for name in ["
        "'DEBUG', 'SECURE_SSL_REDIRECT', 'SECURE_PROXY_SSL_HEADER', 'SESSION_COOKIE_SECURE', "
        "'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
        "'SECURE_HSTS_PRELOAD', 'LOG_FORMAT']}))"
    )
    result = run_in_production([sys.executable, "-c", script], tmp_path, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_check_deploy_passes_without_warnings_with_the_documented_production_variables(
    tmp_path,
):
    environment = documented_production_environment()
    environment["AUTOPROCTOR_CLIENT_ID"] = "client-1"

    result = run_in_production(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        **environment,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_when_allowed_hosts_are_missing(tmp_path):
    """The check above is meaningful: leaving out a documented variable makes it fail."""
    result = run_in_production(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path
    )

    assert result.returncode != 0
    assert "security.W020" in result.stderr


def test_production_defaults_redirect_to_https_set_hsts_and_secure_cookies(tmp_path):
    settings = production_settings(tmp_path)

    assert settings == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "LOG_FORMAT": "json",
    }


def test_each_https_setting_can_be_turned_off_for_a_deployment_that_differs(tmp_path):
    settings = production_settings(
        tmp_path,
        DJANGO_BEHIND_PROXY="false",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_HSTS_SECONDS="0",
        DJANGO_HSTS_INCLUDE_SUBDOMAINS="false",
        DJANGO_HSTS_PRELOAD="false",
        LOG_FORMAT="plain",
    )

    assert settings["SECURE_PROXY_SSL_HEADER"] is None
    assert settings["SECURE_SSL_REDIRECT"] is False
    assert settings["SESSION_COOKIE_SECURE"] is settings["CSRF_COOKIE_SECURE"] is False
    assert settings["SECURE_HSTS_SECONDS"] == 0
    assert settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert settings["SECURE_HSTS_PRELOAD"] is False
    assert settings["LOG_FORMAT"] == "plain"


def test_debug_mode_is_plain_http_with_readable_logs(tmp_path):
    settings = production_settings(tmp_path, DJANGO_DEBUG="true")

    assert settings["SECURE_SSL_REDIRECT"] is False
    assert settings["SECURE_PROXY_SSL_HEADER"] is None
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["SECURE_HSTS_SECONDS"] == 0
    assert settings["LOG_FORMAT"] == "plain"


def test_an_unknown_log_format_stops_start_up_naming_the_variable(tmp_path):
    result = run_in_production([sys.executable, "manage.py", "check"], tmp_path, LOG_FORMAT="xml")

    assert result.returncode != 0
    assert "LOG_FORMAT='xml' is not a log format; use json or plain." in result.stderr


def test_a_negative_hsts_duration_stops_start_up_naming_the_variable(tmp_path):
    result = run_in_production(
        [sys.executable, "manage.py", "check"], tmp_path, DJANGO_HSTS_SECONDS="-1"
    )

    assert result.returncode != 0
    assert "DJANGO_HSTS_SECONDS=-1 is too small" in result.stderr


def test_production_logs_are_one_json_object_per_line_on_stdout(tmp_path):
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('proctoring.sync').warning('3 pages synced', extra={'pages': 3})"
    )
    result = run_in_production([sys.executable, "-c", script], tmp_path)

    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "proctoring.sync"
    assert entry["message"] == "3 pages synced"
    assert entry["pages"] == 3
    assert entry["time"].endswith("+00:00")


def _record(message="Sync failed", **extra) -> logging.LogRecord:
    record = logging.getLogger("proctoring.tasks").makeRecord(
        "proctoring.tasks", logging.ERROR, __file__, 1, message, (), None, extra=extra
    )
    return record


def test_a_json_log_line_keeps_a_traceback_inside_its_one_line():
    try:
        raise ValueError("bad page")
    except ValueError:
        record = _record()
        record.exc_info = sys.exc_info()

    line = JsonFormatter().format(record)

    assert "\n" not in line
    assert "ValueError: bad page" in json.loads(line)["exception"]


def test_a_json_log_line_writes_values_json_cannot_hold_as_text():
    class Attempt:
        def __str__(self):
            return "attempt A-1"

    entry = json.loads(JsonFormatter().format(_record(attempt=Attempt())))

    assert entry["attempt"] == "attempt A-1"
