"""Tests that start the real stack pieces: gunicorn, qcluster, PostgreSQL, Redis."""
