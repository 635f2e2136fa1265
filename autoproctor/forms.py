"""Which form of a call an account answers, and the fallback to the other form at run time.

CallForms holds every open part of the contract the client has learned: the one-attempt call's
form and client id spelling (below), the tenant calls' authentication form (auth.py) and the
trust score's scale (scales.py); `FormKeeper.learn` hands each change to `on_learn`, which
stores it in the API profile.

The one-attempt call has two forms (wire.ATTEMPT_FORMS). We send the hashed id percent-encoded
in the path; a server that decodes `%2F` before routing answers 404 to the half of all hashes
that contain `/`. When the form in use is refused with 404/403 and the hash contains `/` (or the
form in use is not the contract's own), the other form is tried, and the one that worked is
remembered (and handed to `on_learn`, which stores it in the API profile).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from .auth import BASE64, SECONDS, SIGNATURE_ENCODINGS, TIMESTAMP_UNITS
from .errors import BadCredentials, NotFound
from .scales import FRACTION, SCORE_SCALES
from .wire import ATTEMPT_FORM_WORDS, CLIENT_ID_PARAMS, HASHED_PATH, ID_QUERY

T = TypeVar("T")
REFUSALS = (NotFound, BadCredentials)


@dataclass(frozen=True)
class CallForms:
    """The forms an account answers; the contract's own by default: the call forms, the
    tenant calls' authentication form (auth.py) and the trust score's scale (scales.py)."""

    attempt_form: str = HASHED_PATH
    client_id_param: str = CLIENT_ID_PARAMS[0]
    timestamp_unit: str = SECONDS
    signature_encoding: str = BASE64
    trust_score_scale: str = FRACTION

    def __post_init__(self):
        for value, known, what in (
            (self.attempt_form, ATTEMPT_FORM_WORDS, "attempt-call form"),
            (self.client_id_param, CLIENT_ID_PARAMS, "client id parameter"),
            (self.timestamp_unit, TIMESTAMP_UNITS, "timestamp unit"),
            (self.signature_encoding, SIGNATURE_ENCODINGS, "signature encoding"),
            (self.trust_score_scale, SCORE_SCALES, "trust score scale"),
        ):
            if value not in known:
                raise ValueError(f"unknown {what} {value!r}")


def other_form(form: str) -> str:
    return ID_QUERY if form == HASHED_PATH else HASHED_PATH


class FormKeeper:
    """The client's current forms, shared by its threads, with the fallback policy."""

    def __init__(
        self,
        forms: CallForms | None = None,
        on_learn: Callable[[CallForms], None] | None = None,
    ):
        self.forms = forms or CallForms()
        self._on_learn = on_learn
        self._lock = threading.Lock()

    def learn(self, **changes: Any) -> None:
        with self._lock:
            learned = replace(self.forms, **changes)
            if learned == self.forms:
                return
            self.forms = learned
        if self._on_learn is not None:
            self._on_learn(learned)

    def attempt_call(self, hashed_id: str, test_attempt_id: str, call: Callable[[str], T]) -> T:
        """`call(form)` in the form in use; on a refusal that the other form may cure, the
        other form, remembered when it answers. Both refused: the error names both."""
        first = self.forms.attempt_form
        try:
            return call(first)
        except REFUSALS as refused:
            if first == HASHED_PATH and "/" not in hashed_id:
                raise type(refused)(
                    f"{refused.message} (Sent with {ATTEMPT_FORM_WORDS[first]}.)",
                    endpoint=refused.endpoint,
                    status=refused.status,
                ) from None
            second = other_form(first)
            try:
                answer = call(second)
            except REFUSALS as also_refused:
                raise type(also_refused)(
                    f"AutoProctor refused the one-attempt call of {test_attempt_id!r} in both "
                    f"forms: {ATTEMPT_FORM_WORDS[first]} ({refused.message}) and "
                    f"{ATTEMPT_FORM_WORDS[second]} ({also_refused.message}). Run `python "
                    "manage.py autoproctor_doctor` to see which calls this account answers.",
                    endpoint=also_refused.endpoint,
                    status=also_refused.status,
                ) from None
            self.learn(attempt_form=second)
            return answer
