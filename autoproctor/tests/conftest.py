"""The package's own tests: the client and the simulator over real HTTP on loopback, without
Django (`python -m pytest -c autoproctor/pyproject.toml autoproctor/tests`, which `make test`
runs). Their fixtures are the package's pytest plugin, autoproctor.testing.fixtures."""

from autoproctor.testing.fixtures import (  # noqa: F401 (fixtures, found by name)
    api_client,
    make_client,
    make_simulator,
    signed,
    simulator,
    simulator_started,
    sleeps,
)
