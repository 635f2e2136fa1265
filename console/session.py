"""What the API console remembers in the user's session from one request to the next.

- The evidence hosts AutoProctor handed out: the evidence JSON form fetches only from these and
  from the configured base URL's origin, never from an address a user made up.
- The last attempt id, evidence file URL and evidence paths, to fill in the next step's form.
  An erasure of the attempt (proctoring.signals.candidates_erased) removes them.
"""

from __future__ import annotations

import json
from importlib import import_module

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from console.forms import origin_of

ORIGINS_KEY = "console.evidence_origins"
LAST_KEY = "console.last"
MAX_ORIGINS = 20


def allowed_origins(request: HttpRequest) -> set[str]:
    configured = origin_of(settings.AUTOPROCTOR_BASE_URL)
    return {origin for origin in [configured, *request.session.get(ORIGINS_KEY, [])] if origin}


def remember_evidence_url(request: HttpRequest, test_attempt_id: str, file_url: str) -> None:
    """Note a URL the evidence file URL endpoint returned: its origin becomes fetchable."""
    origin = origin_of(file_url)
    if origin:
        origins = [each for each in request.session.get(ORIGINS_KEY, []) if each != origin]
        request.session[ORIGINS_KEY] = [*origins, origin][-MAX_ORIGINS:]
    remember(request, test_attempt_id=test_attempt_id, file_url=file_url)


def remember(request: HttpRequest, **values: str | list[str]) -> None:
    request.session[LAST_KEY] = {**request.session.get(LAST_KEY, {}), **values}


def initial_values(request: HttpRequest) -> dict:
    """Form initial values from the last call: attempt id, evidence file URL, paths."""
    last = request.session.get(LAST_KEY, {})
    initial = {key: last[key] for key in ("test_attempt_id", "file_url") if last.get(key)}
    if last.get("paths"):
        initial["paths"] = "\n".join(last["paths"])
    return initial


def forget_erased(*, test_attempt_ids: list[str], needles: list[str], **kwargs) -> int:
    """Drop the console's memory of the last call (attempt id, evidence file URL: a presigned
    URL to the candidate's evidence, paths) from every live session that remembers one of
    these erased attempts or names one of these people. Sessions kept where they cannot be
    listed (a cache or cookie engine) are left to expire. Returns the sessions changed."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store_class, "get_model_class"):
        return 0
    erased = set(test_attempt_ids)
    changed = 0
    sessions = store_class.get_model_class().objects.filter(expire_date__gt=timezone.now())
    for session in sessions.iterator():
        data = session.get_decoded()
        last = data.get(LAST_KEY)
        if not last:
            continue
        text = json.dumps(last, ensure_ascii=False).lower()
        if last.get("test_attempt_id") in erased or any(needle in text for needle in needles):
            del data[LAST_KEY]
            session.session_data = store_class().encode(data)
            session.save(update_fields=["session_data"])
            changed += 1
    return changed
