"""AutoProctor's request signatures, checked the way the API checks them.

A signature is the Base64 (standard alphabet, padded) HMAC-SHA256 of a message under the
client secret. Calls about one attempt sign its id; calls about the whole tenant sign the UNIX
time, which must be within `WINDOW_SECONDS` of the server's clock in either direction. An
account's dialect may count that time in milliseconds and write its digest in hex.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

WINDOW_SECONDS = 60


def sign(message: str, secret: str, encoding: str = "base64") -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return digest.hex() if encoding == "hex" else base64.b64encode(digest).decode("ascii")


def signature_matches(
    message: str, signature: str | None, secret: str, encoding: str = "base64"
) -> bool:
    if not signature:
        return False
    return hmac.compare_digest(sign(message, secret, encoding).encode(), signature.encode())


def timestamp_problem(
    timestamp: str | None,
    signature: str | None,
    secret: str,
    server_now: float,
    unit: str = "seconds",
    encoding: str = "base64",
) -> str | None:
    """Why a signed timestamp is refused, or None when it is accepted. `unit` and `encoding`:
    the account's form of the tenant signature (dialects.AUTH_DIALECTS)."""
    if not timestamp or not signature:
        return "The request carries no timestamp or no timestamp signature."
    if not timestamp.isascii() or not timestamp.isdigit():
        return f"The timestamp {timestamp!r} is not UNIX time in whole {unit}."
    if not signature_matches(timestamp, signature, secret, encoding):
        return "The timestamp signature does not match: check the client secret."
    drift = int(timestamp) / (1000 if unit == "milliseconds" else 1) - server_now
    if drift < -WINDOW_SECONDS:
        return (
            f"The timestamp is {-drift:.0f} s old; requests must be signed within "
            f"{WINDOW_SECONDS} s of sending. Check the clock of the calling machine."
        )
    if drift > WINDOW_SECONDS:
        return (
            f"The timestamp is {drift:.0f} s in the future; requests must be signed within "
            f"{WINDOW_SECONDS} s of sending. Check the clock of the calling machine."
        )
    return None
