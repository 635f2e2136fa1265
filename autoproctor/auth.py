"""The tenant calls' authentication form, and finding it out when the assumed one is refused.

AutoProctor documents only that the CLIENT_SECRET is used "to compute HMAC-SHA256 hashes of the
relevant parameters". The attempt hash is known (Base64 of the digest of the attempt id); for the
calls about the whole tenant (results, usage) we assume the UNIX time in *seconds* with a *Base64*
digest. A JavaScript-first server may as well expect milliseconds (`Date.now()`) or a hex digest,
and then every tenant call is refused although the secret is right.

So a refused tenant call is not taken at its word. `AuthProbe.recover` first asks an
attempt-signed call whether the secret is right (the attempt hash's form is known); when that
call accepts the secret, or the refusal's own words point at the signature or the timestamp, it
tries each other plausible form once, logging each try, and the one that works is learned (the
client's FormKeeper hands it to the API profile). When none works it says which calls prove
what. Neither the secret nor a signature is ever logged or kept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from .errors import BadCredentials

logger = logging.getLogger("autoproctor")

SECONDS, MILLISECONDS = "seconds", "milliseconds"
BASE64, HEX = "base64", "hex"
TIMESTAMP_UNITS = (SECONDS, MILLISECONDS)
SIGNATURE_ENCODINGS = (BASE64, HEX)
UNIT_WORDS = {SECONDS: "the UNIX time in seconds", MILLISECONDS: "the UNIX time in milliseconds"}
ENCODING_WORDS = {BASE64: "a Base64 digest", HEX: "a hex digest"}
# Every form, the contract's first, then in the order a JavaScript-first server makes likely.
AUTH_FORMS = (
    (SECONDS, BASE64),
    (MILLISECONDS, BASE64),
    (SECONDS, HEX),
    (MILLISECONDS, HEX),
)
# Words of a refusal that point at the signature or the timestamp rather than the client id.
SIGNING_WORDS = re.compile(
    r"signature|signed|sign\b|hmac|hash|digest|timestamp|expired|stale|clock|too old|future",
    re.IGNORECASE,
)
# An id no attempt has: its signed one-attempt call shows whether the secret is accepted.
PROBE_ATTEMPT_ID = "autoproctor-doctor-probe-no-such-attempt"

ACCEPTED, REFUSED, UNKNOWN = "accepted", "refused", "unknown"


def auth_form_words(unit: str, encoding: str) -> str:
    """E.g. "the UNIX time in milliseconds with a hex digest"."""
    return f"{UNIT_WORDS[unit]} with {ENCODING_WORDS[encoding]}"


def timestamp_in(unit: str, now: float) -> str:
    """The UNIX time `now` as the tenant calls sign it: whole seconds or whole milliseconds."""
    return str(int(now * 1000)) if unit == MILLISECONDS else str(int(now))


def digest_as(message: str, secret: str, encoding: str) -> str:
    """The HMAC-SHA256 of `message` under `secret`, as Base64 (padded) or lower-case hex."""
    digest = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return digest.hex() if encoding == HEX else base64.b64encode(digest).decode("ascii")


def points_at_signing(message: str) -> bool:
    return bool(SIGNING_WORDS.search(message or ""))


@dataclass(frozen=True)
class Proof:
    """What an attempt-signed call said about the secret: ACCEPTED, REFUSED or UNKNOWN, in
    words a person can check ("the one-attempt call of 'x' answered 200")."""

    verdict: str
    words: str
    on_known_attempt: bool = False


class AuthProbe:
    """Recovers from a refused tenant call, at most once per client.

    `prove()` makes the attempt-signed call (Proof); `try_form(unit, encoding)` makes one tenant
    call signed in that form and returns its HTTP status (None: no answer); `learn(unit,
    encoding)` remembers a form that worked; `current()` is the form in use.
    """

    def __init__(
        self,
        *,
        current: Callable[[], tuple[str, str]],
        prove: Callable[[], Proof],
        try_form: Callable[[str, str], int | None],
        learn: Callable[[str, str], None],
    ):
        self._current = current
        self._prove = prove
        self._try_form = try_form
        self._learn = learn
        self.verdict: BadCredentials | None = None  # set once probing found nothing
        self.tried: list[tuple[str, str, int | None]] = []  # the refused forms, with status
        self.calls: list[str] = []  # each call the probe made, in words, in order

    def recover(self, refused: BadCredentials, *, refused_call_was_results: bool) -> bool:
        """True when another form works (and was learned); else raises BadCredentials saying
        which calls prove what."""
        if self.verdict is not None:
            raise self.verdict
        proof = self._prove()
        self.calls.append(f"{proof.words.split(' answered')[0]} (proves the secret)")
        words_point = points_at_signing(refused.message)
        worth_probing = proof.verdict == ACCEPTED or (
            words_point and not (proof.verdict == REFUSED and proof.on_known_attempt)
        )
        if not worth_probing:
            self.verdict = self._verdict(refused, proof)
            raise self.verdict
        unit, encoding = self._current()
        forms = [form for form in AUTH_FORMS if form != (unit, encoding)]
        if not refused_call_was_results:
            forms.insert(0, (unit, encoding))  # the refused call may be the only one refusing
        self.tried.append((unit, encoding, refused.status))
        for each_unit, each_encoding in forms:
            self.calls.append(f"results, page 1, with {auth_form_words(each_unit, each_encoding)}")
            status = self._try_form(each_unit, each_encoding)
            logger.warning(
                "AutoProctor's tenant calls signed with %s: %s",
                auth_form_words(each_unit, each_encoding),
                status if status is not None else "no answer",
            )
            if status is not None and 200 <= status < 300:
                if (each_unit, each_encoding) == (unit, encoding):
                    return False  # the form in use works: the refusal was about that call
                logger.warning(
                    "AutoProctor signs its tenant calls with %s; using that from now on",
                    auth_form_words(each_unit, each_encoding),
                )
                self._learn(each_unit, each_encoding)
                return True
            self.tried.append((each_unit, each_encoding, status))
        self.verdict = self._verdict(refused, proof)
        raise self.verdict

    def _verdict(self, refused: BadCredentials, proof: Proof) -> BadCredentials:
        """The refusal in AutoProctor's words, then what the probe proved about the secret."""
        tried = "; ".join(
            f"{auth_form_words(unit, encoding)} ({status if status is not None else 'no answer'})"
            for unit, encoding, status in self.tried
        )
        forms = f"the tenant calls refuse every form tried: {tried}" if tried else ""
        if proof.verdict == ACCEPTED:
            found = (
                f"The attempt calls accept this secret ({proof.words}), but {forms}. The tenant "
                "calls may expect a form we do not know: check AUTOPROCTOR_CLIENT_ID, then run "
                "`python manage.py autoproctor_doctor --record FILE` and send the recording to "
                "AutoProctor support."
            )
        elif proof.verdict == REFUSED:
            found = f"The attempt calls refuse these credentials too ({proof.words})" + (
                f", and {forms}" if forms else ""
            )
            found += ": the client secret (or the client id) is wrong."
        else:
            found = f"No attempt call could prove the secret ({proof.words})" + (
                f", and {forms}" if forms else ""
            )
            found += ": the client secret is likely wrong."
        return BadCredentials(
            f"{refused.message} {found}", endpoint=refused.endpoint, status=refused.status
        )


def proof_from_status(status: int | None, attempt_id: str, known: bool) -> Proof:
    """What the status of an attempt-signed call of `attempt_id` proves about the secret. For
    an id no attempt has, a 404 (not 401/403) means the signature passed and the lookup failed."""
    which = "stored attempt" if known else "the probe id"
    call = f"the one-attempt call of {which} {attempt_id!r}"
    if status is None:
        return Proof(UNKNOWN, f"{call} had no answer", known)
    if 200 <= status < 300 or (status == 404 and not known):
        return Proof(ACCEPTED, f"{call} answered {status}", known)
    if status in (401, 403):
        return Proof(REFUSED, f"{call} answered {status}", known)
    return Proof(UNKNOWN, f"{call} answered {status}", known)
