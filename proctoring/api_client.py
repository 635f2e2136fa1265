"""The AutoProctor client as the dashboard configures it: from the AUTOPROCTOR_* settings.

The client (the `autoproctor` package) knows nothing of Django; this module is where the
settings reach it, and `ProctoringConfig.ready()` hands it the field aliases.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from autoproctor import AutoProctorClient
from autoproctor.wire import set_field_aliases


def client_from_settings(**overrides: Any) -> AutoProctorClient:
    """A client configured by the AUTOPROCTOR_* settings; keyword arguments override them."""
    options = {
        "base_url": settings.AUTOPROCTOR_BASE_URL,
        "client_id": settings.AUTOPROCTOR_CLIENT_ID,
        "client_secret": settings.AUTOPROCTOR_CLIENT_SECRET,
        "presign_path": settings.AUTOPROCTOR_PRESIGN_PATH,
        "usage_headers": settings.AUTOPROCTOR_USAGE_HEADERS,
        "timeout": settings.AUTOPROCTOR_TIMEOUT,
        "max_retries": settings.AUTOPROCTOR_MAX_RETRIES,
    }
    options.update(overrides)
    return AutoProctorClient(**options)


def apply_field_aliases() -> None:
    """Give the client's field names the aliases of AUTOPROCTOR_FIELD_ALIASES."""
    set_field_aliases(getattr(settings, "AUTOPROCTOR_FIELD_ALIASES", {}) or {})


@receiver(setting_changed)
def _field_aliases_changed(*, setting: str, **_kwargs: Any) -> None:
    """A test that overrides the setting changes the names the client reads, as a restart
    with the new setting would."""
    if setting == "AUTOPROCTOR_FIELD_ALIASES":
        apply_field_aliases()
