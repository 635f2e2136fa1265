"""A pytest plugin loaded only by `make mutants` (setup.cfg's pytest_add_cli_args).

mutmut runs each mutant's tests in a process of its own, several at once with
MUTANTS_CHILDREN > 1. On SQLite every run would create and destroy the same test database file
under the other's feet, so each process gets a file of its own, named after its process id.
PostgreSQL is not used for mutation runs (the Makefile clears DATABASE_URL).
"""

from __future__ import annotations

import os
from pathlib import Path


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
