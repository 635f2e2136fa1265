"""Settings for the benchmarks: production settings (DEBUG off, so no query log grows in
memory) on the benchmark database, with what the in-process test client needs.

The database is BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench), never
DATABASE_URL, so a benchmark cannot touch the data of a running installation.
"""

import os
import warnings

DEFAULT_BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench"

os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_BENCH_DATABASE_URL
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-not-for-production")
os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "false"
os.environ["DJANGO_SECURE_COOKIES"] = "false"
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("LOG_FORMAT", "plain")

from config.settings import *  # noqa: E402, F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Pages are rendered in-process; the manifest of collectstatic is not needed for that.
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

# collectstatic has not run: whitenoise says so once per process; nothing here serves files.
warnings.filterwarnings("ignore", message="No directory at")
