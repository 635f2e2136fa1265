"""Settings for the test suite: the real settings, with a throwaway secret key and fast hashing.

The database comes from DATABASE_URL exactly as in production, so `make test` runs the same
suite once on SQLite and once on PostgreSQL.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")
# Tests talk plain HTTP (the test client, live servers on loopback), like a developer's machine;
# tests/test_deploy_settings.py checks the production defaults in a process of their own.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")

from config.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

# Static files are served from the finders in tests (nothing is collected), so WhiteNoise looks
# files up on request instead of scanning a STATIC_ROOT that does not exist.
WHITENOISE_AUTOREFRESH = True
