"""Signing the tenant calls (results, usage) in the authentication form in use, and recovering
when AutoProctor refuses that form (auth.AuthProbe): the client's side of auth.py.

Every request is signed when it is sent, in the form the FormKeeper holds at that moment, so a
retried request, the next page, and every call after a form was learned use the form that works.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from .answers import ATTEMPT, RESULTS
from .auth import PROBE_ATTEMPT_ID, AuthProbe, Proof, digest_as, proof_from_status, timestamp_in
from .errors import AutoProctorError, BadCredentials
from .forms import FormKeeper
from .paths import ATTEMPT_PATH, RESULTS_PATH, api_url, encode
from .signing import Secret, sign
from .transport import Call, Transport

logger = logging.getLogger("autoproctor")
T = TypeVar("T")


class TenantAuth:
    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        secret: Secret,
        clock: Callable[[], float],
        forms: FormKeeper,
        transport: Transport,
        known_attempts: Callable[[], list[str]] | None = None,
    ):
        self.base_url = base_url
        self.client_id = client_id
        self._secret = secret
        self._clock = clock
        self._forms = forms
        self._transport = transport
        self._known_attempts = known_attempts
        self.probe = AuthProbe(
            current=self.current,
            prove=self.prove_secret,
            try_form=self.try_form,
            learn=lambda unit, encoding: forms.learn(
                timestamp_unit=unit, signature_encoding=encoding
            ),
        )

    def current(self) -> tuple[str, str]:
        forms = self._forms.forms
        return forms.timestamp_unit, forms.signature_encoding

    def signed_now(self, unit: str | None = None, encoding: str | None = None) -> tuple[str, str]:
        """(timestamp, signature) of this moment, in the form in use or the one given."""
        current_unit, current_encoding = self.current()
        stamp = timestamp_in(unit or current_unit, self._clock())
        return stamp, digest_as(stamp, self._secret.reveal(), encoding or current_encoding)

    def results_url(self, params: dict[str, str], unit=None, encoding=None) -> str:
        stamp, signature = self.signed_now(unit, encoding)
        path = RESULTS_PATH.format(client_id=encode(self.client_id))
        signed = {"unixTimestamp": stamp, "hashedUnixTimestamp": signature, **params}
        return api_url(self.base_url, path, signed)

    def results_call(self, endpoint: str, params: dict[str, str]) -> Call:
        """A tenant-wide GET whose query is signed afresh, in the form in use, each time."""
        return Call(endpoint, "GET", lambda: (self.results_url(params), {}, None))

    def recovering(self, action: Callable[[], T], endpoint: str) -> T:
        """`action()`; when AutoProctor refuses its tenant signature, the probe's recovery
        (auth.py), then `action()` again in the form learned."""
        try:
            return action()
        except BadCredentials as refused:
            if not self.probe.recover(refused, refused_call_was_results=endpoint == RESULTS):
                raise
        return action()

    # --- the probe's calls ---------------------------------------------------------------------
    def try_form(self, unit: str, encoding: str) -> int | None:
        """The status of results page 1 signed in this form (the call reads, changes nothing)."""
        call = Call(
            RESULTS, "GET", lambda: (self.results_url({"page": "1"}, unit, encoding), {}, None)
        )
        return self._status_of(call)

    def prove_secret(self) -> Proof:
        """One attempt-signed call (the attempt hash's form is known): of a stored attempt when
        there is one, else of an id no attempt has."""
        known = []
        if self._known_attempts is not None:
            try:
                known = list(self._known_attempts())[:1]
            except Exception:  # the database is a witness, never a reason to fail
                logger.exception("Could not read a stored attempt to prove the secret with")
        attempt_id = known[0] if known else PROBE_ATTEMPT_ID
        path = ATTEMPT_PATH.format(hashed_test_attempt_id=encode(attempt_id))
        query = {
            self._forms.forms.client_id_param: self.client_id,
            "hashed_test_attempt_id": sign(attempt_id, self._secret.reveal()),
        }
        url = api_url(self.base_url, path, query)
        status = self._status_of(Call(ATTEMPT, "GET", lambda: (url, {}, None)))
        return proof_from_status(status, attempt_id, known=bool(known))

    def _status_of(self, call: Call) -> int | None:
        try:
            with self._transport.send(call) as response:
                return response.status_code
        except AutoProctorError as error:
            return error.status
