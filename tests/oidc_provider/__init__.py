"""A real OpenID Connect provider for the single sign-on tests: django-oauth-toolkit's, in a
small Django project of its own, run as a separate process on a loopback port (serve.py).

Its one person's groups (and, for the tests of refused tokens, changes to the next ID token)
are read from a JSON file at every token, so a test changes them between two sign-ins.
"""
