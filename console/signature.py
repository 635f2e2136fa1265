"""The console's signature tool: the HMAC a message gets with the configured secret, and what is
wrong with a signature an integration's front end sent.

A signature made with the account's secret is a credential: an attempt id's never expires, and
a timestamp's works for a minute on either side of it. So the tool shows a signature only for a
message the dashboard itself would send (`computable`): a UNIX timestamp within the 60 s
AutoProctor allows, or the id of an attempt we have synced; the console's calls follow the
same rule and hide the signature of an id never synced (`hidden_forms`). A pasted signature is
checked for any message, and the check says whether it matches, never what the right one is.

AutoProctor wants standard, padded Base64 of the raw HMAC-SHA256 digest, percent-encoded in
URLs. The usual mistakes each leave a recognisable signature (a hex digest, URL-safe Base64, a
'+' that became a space), so a mismatch is compared against each of them and named. Every
comparison is constant-time.

A timestamp is signed in the form the account's tenant calls use, as the API profile learned it
(autoproctor/auth.py): whole seconds (10 digits) or milliseconds (13), the digest in Base64 or
hex. An attempt id is always signed in Base64, the attempt hash's documented form.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote

from django.conf import settings

from autoproctor import NotConfigured
from autoproctor.answers import MAX_CLOCK_SKEW_SECONDS
from autoproctor.auth import BASE64, HEX, MILLISECONDS, SECONDS, digest_as
from proctoring.models import Attempt

# Digits of a UNIX timestamp in each unit the tenant calls may sign.
TIMESTAMP_DIGITS = {SECONDS: 10, MILLISECONDS: 13}


@dataclass(frozen=True)
class Signature:
    message: str
    value: str  # what AutoProctor expects
    in_url: str  # the same, percent-encoded as it must appear in a URL
    encoding: str = BASE64  # BASE64, or HEX for a timestamp of an account that signs in hex

    @property
    def encoding_name(self) -> str:
        return "Hex" if self.encoding == HEX else "Base64"


@dataclass(frozen=True)
class Verdict:
    matches: bool
    explanation: str


def timestamp_seconds(message: str, unit: str = SECONDS) -> float | None:
    """The UNIX time a message states in `unit` (10 or 13 digits), or None if it is none."""
    if message.isascii() and message.isdigit() and len(message) == TIMESTAMP_DIGITS[unit]:
        return int(message) / (1000 if unit == MILLISECONDS else 1)
    return None


def compute(message: str, form: tuple[str, str] = (SECONDS, BASE64)) -> Signature:
    """The signature of `message`; a timestamp in the tenant calls' `form` (unit, encoding)."""
    secret = settings.AUTOPROCTOR_CLIENT_SECRET
    if not secret:
        raise NotConfigured(
            "No client secret is configured: set AUTOPROCTOR_CLIENT_SECRET (or "
            "AUTOPROCTOR_CLIENT_SECRET_FILE) to compute signatures.",
            endpoint="settings",
        )
    unit, encoding = form
    if timestamp_seconds(message, unit) is None:
        encoding = BASE64
    value = digest_as(message, secret, encoding)
    return Signature(message=message, value=value, in_url=quote(value, safe=""), encoding=encoding)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _hex_of(signature: str, encoding: str) -> str:
    return signature if encoding == HEX else base64.b64decode(signature).hex()


def _base64_of(signature: str, encoding: str) -> str:
    return base64.b64encode(bytes.fromhex(signature)).decode() if encoding == HEX else signature


def _url_safe(signature: str) -> str:
    return signature.replace("+", "-").replace("/", "_")


def verify(pasted: str, expected: Signature) -> Verdict:
    """Whether `pasted` is the expected signature and, if not, which known mistake it shows."""
    right = expected.value
    if expected.encoding == HEX:
        return _verify_hex(pasted.strip(), expected)
    if _same(pasted, right):
        return Verdict(
            True, "The signature matches: it is this message's HMAC with the configured secret."
        )
    pasted = pasted.strip()
    if _same(pasted, right):
        return Verdict(
            True, "It matches once the spaces around it are removed: make sure none are sent."
        )
    if _same(unquote(pasted), right):
        return Verdict(
            True,
            "It matches in its percent-encoded form, as it appears in a URL. That is how it "
            "must travel in a URL; the value itself is correct.",
        )
    mistakes = [
        (
            right.replace("+", " "),
            "It matches only if its spaces are read as '+': the signature was put into a URL "
            "without percent-encoding, so each '+' arrived as a space. Percent-encode it "
            "(encodeURIComponent in JavaScript).",
        ),
        (
            _url_safe(right),
            "It is URL-safe Base64 ('-' and '_'): AutoProctor expects standard Base64, with "
            "'+' and '/', then percent-encoded.",
        ),
        (
            right.rstrip("="),
            "It lacks the '=' padding at the end: AutoProctor expects padded Base64 "
            "(44 characters).",
        ),
        (
            _hex_of(right, BASE64),
            "It is the hex digest of the right HMAC: AutoProctor expects the raw digest in "
            "Base64 (in CryptoJS: CryptoJS.enc.Base64.stringify(hash), not hash.toString()).",
        ),
    ]
    for mistaken, explanation in mistakes:
        if _same(pasted, mistaken) or _same(unquote(pasted), mistaken):
            return Verdict(False, explanation)
    return Verdict(
        False,
        "It does not match. Check that the message is exactly what was signed (the test "
        "attempt id, or the timestamp sent with the signature), that it was signed with this "
        "account's client secret, and that the HMAC is SHA-256.",
    )


def _verify_hex(pasted: str, expected: Signature) -> Verdict:
    """A timestamp signature of an account whose tenant calls sign in hex (the API profile)."""
    if _same(pasted.lower(), expected.value):
        return Verdict(
            True, "The signature matches: it is this message's HMAC with the configured secret."
        )
    if _same(unquote(pasted), _base64_of(expected.value, HEX)):
        return Verdict(
            False,
            "It is the Base64 digest of the right HMAC, but this account's tenant calls expect "
            "the hex digest (as the account check learned): send the digest in hex.",
        )
    return Verdict(
        False,
        "It does not match. Check that the message is exactly the timestamp sent with the "
        "signature, that it was signed with this account's client secret, and that the HMAC "
        "is SHA-256, written in hex.",
    )


NEVER_SYNCED = (
    "The tool shows signatures only for messages the dashboard itself sends: the current "
    "UNIX timestamp, or the id of an attempt already synced. To check a signature your "
    'front end made for this message, paste it in "Signature to check".'
)
HIDDEN = "[signature of an attempt id never synced: not shown]"


def synced(test_attempt_id: str) -> bool:
    """Whether an attempt with this id was ever synced for the configured account."""
    return Attempt.objects.filter(
        client_id=settings.AUTOPROCTOR_CLIENT_ID, test_attempt_id=test_attempt_id
    ).exists()


def hidden_forms(test_attempt_id: str | None, synced: Callable[[str], bool] = synced) -> list[str]:
    """The forms an attempt id's signature takes in a request (Base64, percent-encoded) that
    the console must not show: the id was never synced, the rule `computable` follows for the
    tool. The call itself is still sent (an attempt not synced yet is what one looks into)."""
    if not test_attempt_id or synced(test_attempt_id):
        return []
    try:
        signature = compute(test_attempt_id)
    except NotConfigured:
        return []
    return [signature.in_url, signature.value, quote(signature.value)]


def computable(message: str, now: float, synced: Callable[[str], bool], unit: str = SECONDS) -> str:
    """ "" when the tool may show this message's signature, else the reason it may not."""
    moment = timestamp_seconds(message, unit)
    if moment is not None:
        if abs(now - moment) <= MAX_CLOCK_SKEW_SECONDS:
            return ""
        return (
            f"The tool shows a timestamp's signature only within {MAX_CLOCK_SKEW_SECONDS} s of "
            "now, as the dashboard itself would send it: a signature for another moment would be "
            "a credential usable outside the dashboard. Use the current time, or paste the "
            "signature your front end sent to check it."
        )
    if synced(message):
        return ""
    return NEVER_SYNCED


def timestamp_note(message: str, now: float, unit: str = SECONDS) -> str:
    """A warning when the message is a UNIX timestamp AutoProctor would refuse as stale."""
    moment = timestamp_seconds(message, unit)
    if moment is None:
        return ""
    age = now - moment
    if abs(age) <= MAX_CLOCK_SKEW_SECONDS:
        return ""
    when = f"{age:.0f} s old" if age > 0 else f"{-age:.0f} s in the future"
    return (
        f"This timestamp is {when}: AutoProctor refuses a signed timestamp more than "
        f"{MAX_CLOCK_SKEW_SECONDS} s from its own clock, even with a correct signature."
    )


def whitespace_note(message: str) -> str:
    if message != message.strip():
        return "The message starts or ends with white space, and is signed with it."
    return ""
