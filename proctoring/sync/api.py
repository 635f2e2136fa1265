"""The API client a stage uses: the caller's, or one built from the settings and closed after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from autoproctor import AutoProctorClient


@contextmanager
def api_client(client: AutoProctorClient | None = None) -> Iterator[AutoProctorClient]:
    """Raises NotConfigured (an AutoProctorError) when the settings lack the credentials."""
    if client is not None:
        yield client
        return
    from proctoring.sync.profile import profiled_client

    client = profiled_client()
    try:
        yield client
    finally:
        client.close()
