"""A database set up by the release before the apps split migrates forward with nothing lost.

Review's tables moved from the proctoring app to the review app, the audit trail from the
dashboard app to the audit app, the roles to the access app and the list's indexes into the
proctoring app's models. tests/migrate_from_main.py builds a database with that release's
migrations, stores rows of every kind, migrates it with today's and reports; this runs it on a
new database of the kind the suite uses (SQLite or PostgreSQL), in a process of its own.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from access.roles import ROLES
from tests.sync_support import database_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def new_database_url(django_db_setup, tmp_path_factory):
    """The URL of a new, empty database on the server (or directory) the suite uses."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('from-main') / 'db.sqlite3'}"
        return
    name = f"{connection.settings_dict['NAME']}_from_main_{uuid.uuid4().hex[:8]}"
    server = database_url().rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/{connection.settings_dict['NAME']}", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(
            f"{server}/{connection.settings_dict['NAME']}", autocommit=True
        ) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def migrated(new_database_url):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": new_database_url,
    }
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "tests.migrate_from_main"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def as_names(permissions):
    return sorted(f"{app}.{codename}" for app, _, codename in permissions)


def test_review_history_and_the_audit_trail_survive(migrated):
    assert migrated["verdict_changes"] == [["suspicious", "alice"]]
    assert migrated["review_state"] == ["suspicious", "alice", "Looks off"]
    assert migrated["notes"] == [["Second screen?", "bob"]]
    assert migrated["dismissals"] == [["calculator", "Allowed"]]
    assert migrated["audit_events"] == [["verdict.set", "alice"]]


def test_the_roles_keep_their_grants_under_the_new_app_labels(migrated):
    assert migrated["groups"] == {name: as_names(perms) for name, perms in ROLES.items()}
    assert "review.review_attempts" in migrated["user_permissions"]["bob"]
    assert "audit.view_auditevent" in migrated["user_permissions"]["alice"]


def test_a_permission_given_to_one_user_moves_with_its_model(migrated):
    assert migrated["user_permissions"]["carol"] == ["review.review_attempts"]


def test_no_content_type_is_left_under_the_old_app(migrated):
    assert "review.reviewstate" in migrated["content_types"]
    assert "audit.auditevent" in migrated["content_types"]
    assert not {"proctoring.reviewstate", "dashboard.auditevent"} & set(migrated["content_types"])


def test_the_list_indexes_are_kept_and_the_renamed_one_replaced(migrated):
    assert "dash_attempt_violations_trust" in migrated["list_indexes"]
    assert "dash_attempt_violations_id_trust" not in migrated["list_indexes"]
    assert {"dash_attempt_started_id", "dash_attempt_unscored_id"} <= set(migrated["list_indexes"])
