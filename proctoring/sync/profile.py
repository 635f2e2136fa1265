"""The API profile: the forms this account answers (call forms, the tenant calls' authentication
form, the trust score's scale), as the doctor or a fallback learned them, loaded into every
client the sync, the doctor and the console build, and updated when the client learns more."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from autoproctor import AutoProctorClient
from autoproctor.forms import CallForms
from proctoring.api_client import client_from_settings
from proctoring.models import ApiProfile, Attempt

if TYPE_CHECKING:
    from autoproctor.doctor_report import DoctorReport

logger = logging.getLogger("proctoring.sync")

# The CallForms fields the profile keeps, each in a column of the same name.
FORM_FIELDS = (
    "attempt_form",
    "client_id_param",
    "timestamp_unit",
    "signature_encoding",
    "trust_score_scale",
)


def _account() -> dict:
    return {
        "base_url": (settings.AUTOPROCTOR_BASE_URL or "").rstrip("/"),
        "client_id": settings.AUTOPROCTOR_CLIENT_ID or "",
    }


def current_profile() -> ApiProfile | None:
    """The profile of the configured account, if one was stored."""
    return ApiProfile.objects.filter(**_account()).first()


def profile_forms(profile: ApiProfile | None) -> CallForms:
    if profile is None:
        return CallForms()
    defaults = CallForms()
    try:
        return CallForms(
            **{name: getattr(profile, name) or getattr(defaults, name) for name in FORM_FIELDS}
        )
    except ValueError:  # a form this version no longer knows: start from the contract's
        return defaults


def save_profile(**fields: Any) -> ApiProfile:
    """Store what was learned about the configured account (fields of ApiProfile)."""
    profile, _ = ApiProfile.objects.update_or_create(**_account(), defaults=fields)
    return profile


def remember_forms(forms: CallForms) -> None:
    logger.warning(
        "AutoProctor answers with these forms; using them from now on: %s",
        ", ".join(f"{name} {getattr(forms, name)}" for name in FORM_FIELDS),
    )
    save_profile(**{name: getattr(forms, name) for name in FORM_FIELDS})


def stored_attempt_ids(limit: int = 1) -> list[str]:
    """Ids of attempts a pass stored for the configured account: an attempt-signed call of one
    proves the secret when a tenant call is refused (autoproctor.auth)."""
    return list(
        Attempt.objects.filter(client_id=settings.AUTOPROCTOR_CLIENT_ID or "")
        .order_by()
        .values_list("test_attempt_id", flat=True)[:limit]
    )


def profiled_client(**overrides: Any) -> AutoProctorClient:
    """A client configured by the settings that uses (and updates) the stored profile."""
    overrides.setdefault("forms", profile_forms(current_profile()))
    overrides.setdefault("on_learn", remember_forms)
    overrides.setdefault("known_attempts", stored_attempt_ids)
    return client_from_settings(**overrides)


def mark_checked(report: dict, **fields: Any) -> ApiProfile:
    return save_profile(report=report, checked_at=timezone.now(), **fields)


def store_report(report: DoctorReport) -> ApiProfile:
    """Keep what the doctor learned (its `learned` forms and the whole report)."""
    fields = {
        name: value
        for name, value in report.learned.items()
        if name in {*FORM_FIELDS, "listing_has_evidence_status", "paged"}
    }
    if report.learned.get("listing_order"):
        fields["listing_order"] = report.learned["listing_order"]
    return mark_checked(report.as_dict(), **fields)
