"""The API profile: the call forms this account answers, as the doctor or a fallback learned
them, loaded into every client the sync builds and updated when the client learns more."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from autoproctor import AutoProctorClient
from autoproctor.forms import CallForms
from proctoring.api_client import client_from_settings
from proctoring.models import ApiProfile

if TYPE_CHECKING:
    from autoproctor.doctor_report import DoctorReport

logger = logging.getLogger("proctoring.sync")


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
            attempt_form=profile.attempt_form or defaults.attempt_form,
            client_id_param=profile.client_id_param or defaults.client_id_param,
        )
    except ValueError:  # a form this version no longer knows: start from the contract's
        return defaults


def save_profile(**fields: Any) -> ApiProfile:
    """Store what was learned about the configured account (fields of ApiProfile)."""
    profile, _ = ApiProfile.objects.update_or_create(**_account(), defaults=fields)
    return profile


def remember_forms(forms: CallForms) -> None:
    logger.warning(
        "AutoProctor answers the one-attempt call as %s with %s; using that from now on",
        forms.attempt_form,
        forms.client_id_param,
    )
    save_profile(attempt_form=forms.attempt_form, client_id_param=forms.client_id_param)


def profiled_client(**overrides: Any) -> AutoProctorClient:
    """A client configured by the settings that uses (and updates) the stored profile."""
    overrides.setdefault("forms", profile_forms(current_profile()))
    overrides.setdefault("on_learn", remember_forms)
    return client_from_settings(**overrides)


def mark_checked(report: dict, **fields: Any) -> ApiProfile:
    return save_profile(report=report, checked_at=timezone.now(), **fields)


def store_report(report: DoctorReport) -> ApiProfile:
    """Keep what the doctor learned (its `learned` forms and the whole report)."""
    fields = {
        name: value
        for name, value in report.learned.items()
        if name in {"attempt_form", "client_id_param", "listing_has_evidence_status", "paged"}
    }
    if report.learned.get("listing_order"):
        fields["listing_order"] = report.learned["listing_order"]
    return mark_checked(report.as_dict(), **fields)
