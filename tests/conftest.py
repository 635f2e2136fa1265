"""Shared fixtures. Each area keeps its fixtures in a plugin module of its own, listed here."""

pytest_plugins = [
    "tests.fixtures.personas",
    "autoproctor.testing.fixtures",
    "tests.fixtures.simulator",
    "tests.fixtures.data",
    "tests.fixtures.passes",
    "tests.fixtures.oidc_provider",
    "tests.fixtures.flush",
]
