"""A pytest plugin loaded only by `make mutants` (setup.cfg's pytest_add_cli_args).

mutmut runs each mutant's tests in a fresh process of its own (forked from one that has only
collected the tests), so whatever a test session sets up once is paid once per mutant. Three
things keep that cost down and the results true:

- **One SQLite test database file per process**, named after its process id: with
  MUTANTS_CHILDREN > 1 two runs would otherwise create and destroy the same file under each
  other's feet. PostgreSQL is not used for mutation runs (the Makefile clears DATABASE_URL).
- **The migrated database is built once and copied**: the first session with no mutant active
  (mutmut's first, full pass over the tests) migrates as usual and keeps a copy; every mutant's
  session starts from that copy instead of running the migrations again (about two seconds a
  mutant on a busy machine, more than most mutants' tests take). The copy is named after the
  migrations it was made from, so a changed migration builds a new one.
- **Each mutant runs only the tests of its module**: mutmut picks the tests that ran the mutated
  function, which for the client's answer reader is nearly every test that talks to the
  simulator. setup.cfg's [mutation_tests] names, for each mutated module, the test files that
  test it; the other tests are deselected. The fastest tests (by mutmut's own timings) run
  first, so a mutant that a quick test kills costs little.
"""

from __future__ import annotations

import configparser
import fnmatch
import hashlib
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

# Not mutants: mutmut's first pass ("stats"), the clean run (""), the test listing.
NO_MUTANT = {"", "stats", "list_all_tests", "mutant_generation"}


def mutant_under_test() -> str:
    return os.environ.get("MUTANT_UNDER_TEST", "")


def module_of(mutant: str) -> str | None:
    """'review.services.x_set_verdict__mutmut_3' -> 'review/services.py'."""
    for marker in (".x_", ".x\u01c1"):
        if marker in mutant:
            return mutant.split(marker, 1)[0].replace(".", "/") + ".py"
    return None


def tests_of_modules(setup_cfg: Path) -> dict[str, list[str]]:
    """setup.cfg's [mutation_tests]: {module path: [test file patterns]}."""
    parser = configparser.ConfigParser()
    parser.optionxform = str  # keep paths as written
    parser.read(setup_cfg)
    if not parser.has_section("mutation_tests"):
        return {}
    return {
        module: [line.strip() for line in files.splitlines() if line.strip()]
        for module, files in parser.items("mutation_tests")
    }


def migrations_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def pytest_configure(config) -> None:
    from django.conf import settings
    from django.db import connections

    database = settings.DATABASES["default"]
    if not database["ENGINE"].endswith("sqlite3"):
        return
    shared = Path(database["TEST"]["NAME"])
    own = str(shared.with_name(f"{shared.stem}-{os.getpid()}{shared.suffix}"))
    database["TEST"]["NAME"] = own
    connections["default"].settings_dict.setdefault("TEST", {})["NAME"] = own
    template = shared.with_name(f"{shared.stem}-migrated-{migrations_digest(Path.cwd())}.sqlite3")
    # Registered after pytest-django, so this django_db_setup is the one used.
    config.pluginmanager.register(MigratedOnce(template), "mutation_migrated_once")


class MigratedOnce:
    def __init__(self, template: Path):
        self.template = template

    @pytest.fixture(scope="session")
    def django_db_setup(self, request, django_test_environment, django_db_blocker):
        from django.db import connections
        from django.test.utils import setup_databases, teardown_databases

        connection = connections["default"]
        if self.template.exists():
            own = connection.settings_dict["TEST"]["NAME"]
            shutil.copyfile(self.template, own)
            connection.close()
            connection.settings_dict["NAME"] = own
            from django.conf import settings

            settings.DATABASES["default"]["NAME"] = own
            yield
            connection.close()
            for suffix in ("", "-wal", "-shm"):
                Path(own + suffix).unlink(missing_ok=True)
            return

        with django_db_blocker.unblock():
            setup = setup_databases(verbosity=0, interactive=False, aliases={"default"})
            if mutant_under_test() in NO_MUTANT:
                partial = self.template.with_suffix(".partial")
                with sqlite3.connect(partial) as copy:
                    connection.ensure_connection()
                    connection.connection.backup(copy)
                copy.close()
                partial.replace(self.template)
        yield
        with django_db_blocker.unblock():
            teardown_databases(setup, verbosity=0)


def pytest_collection_modifyitems(config, items: list) -> None:
    """Keep the tests of the mutated module only, fastest first."""
    mutant = mutant_under_test()
    if mutant in NO_MUTANT:
        return
    module = module_of(mutant)
    patterns = tests_of_modules(Path("setup.cfg")).get(module or "")
    if patterns:
        kept = [item for item in items if _matches(item.nodeid, patterns)]
        deselected = [item for item in items if not _matches(item.nodeid, patterns)]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        items[:] = kept
    durations = _durations()
    items.sort(key=lambda item: durations.get(item.nodeid, 0.0))


def _matches(nodeid: str, patterns: list[str]) -> bool:
    path = nodeid.split("::", 1)[0]
    return any(fnmatch.fnmatch(path, pattern) for pattern in patterns)


def _durations() -> dict[str, float]:
    try:
        return json.loads(Path("mutmut-stats.json").read_text())["duration_by_test"]
    except (OSError, ValueError, KeyError):
        return {}
