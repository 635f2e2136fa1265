"""Settings come from the environment; a bad value must stop start-up and name the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_float, env_int, env_list, env_secret, env_url

ROOT = Path(__file__).resolve().parent.parent


def test_bool_accepts_the_usual_words():
    assert env_bool("X", environ={"X": "true"}) is True
    assert env_bool("X", environ={"X": "Off"}) is False
    assert env_bool("X", default=True, environ={}) is True


def test_bool_rejects_anything_else_naming_the_variable():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG='maybe' is not a boolean"):
        env_bool("DJANGO_DEBUG", environ={"DJANGO_DEBUG": "maybe"})


def test_int_and_float_reject_words_and_out_of_range_values():
    with pytest.raises(ImproperlyConfigured, match="Q_WORKERS='two'"):
        env_int("Q_WORKERS", 2, environ={"Q_WORKERS": "two"})
    with pytest.raises(ImproperlyConfigured, match="Q_WORKERS=0 is too small"):
        env_int("Q_WORKERS", 2, environ={"Q_WORKERS": "0"}, minimum=1)
    with pytest.raises(ImproperlyConfigured, match="REVIEW_THRESHOLD=85.0 is outside"):
        env_float("REVIEW_THRESHOLD", 0.85, environ={"REVIEW_THRESHOLD": "85"}, maximum=1.0)
    assert env_float("REVIEW_THRESHOLD", 0.85, environ={"REVIEW_THRESHOLD": "0.7"}) == 0.7


def test_list_splits_on_commas_and_drops_blanks():
    assert env_list("H", environ={"H": " a.example , b.example,,"}) == ["a.example", "b.example"]
    assert env_list("H", default=["x"], environ={}) == ["x"]


def test_url_needs_a_scheme_and_host_and_loses_its_trailing_slash():
    assert env_url("U", environ={"U": "http://127.0.0.1:8001/"}) == "http://127.0.0.1:8001"
    with pytest.raises(ImproperlyConfigured, match="AUTOPROCTOR_BASE_URL='www.autoproctor.co'"):
        env_url("AUTOPROCTOR_BASE_URL", environ={"AUTOPROCTOR_BASE_URL": "www.autoproctor.co"})


def test_secret_is_read_from_a_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("s3cr3t\n")
    assert env_secret("S", environ={"S_FILE": str(secret_file)}) == "s3cr3t"


def test_secret_refuses_both_sources_and_unreadable_files(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="either S or S_FILE"):
        env_secret("S", environ={"S": "a", "S_FILE": "/etc/hostname"})
    with pytest.raises(ImproperlyConfigured, match="S_FILE='.*missing' cannot be read"):
        env_secret("S", environ={"S_FILE": str(tmp_path / "missing")})


def _start(extra_env):
    """Run `manage.py check` with a controlled environment, as a deployment would start."""
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _start({"DJANGO_DEBUG": "false"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DJANGO_DEBUG", "yes please", "DJANGO_DEBUG='yes please' is not a boolean"),
        ("DATABASE_URL", "mysql-ish:nonsense", "DATABASE_URL is not a valid database URL"),
        ("TIME_ZONE", "Mars/Olympus", "TIME_ZONE='Mars/Olympus' is not a known time zone"),
        ("AUTOPROCTOR_USAGE_HEADERS", "X-One,X-Two", "must name three headers"),
        ("AUTOPROCTOR_PRESIGN_PATH", "/presign/", "must start with / and contain"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL='localhost:6379' is not a valid URL"),
    ],
)
def test_a_bad_value_is_a_start_up_error_naming_the_variable(variable, value, message):
    result = _start({"DJANGO_DEBUG": "true", variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_the_debug_defaults_start_cleanly():
    result = _start({"DJANGO_DEBUG": "true"})
    assert result.returncode == 0, result.stderr


def test_with_redis_the_cache_is_shared_by_every_web_process():
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.update({"DJANGO_DEBUG": "true", "REDIS_URL": "redis://127.0.0.1:6379/13"})
    show_backend = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", show_backend],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "django.core.cache.backends.redis.RedisCache"
