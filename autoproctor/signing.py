"""AutoProctor's request signature: Base64 of an HMAC-SHA256 digest keyed with the secret.

The message is whatever the call authenticates: the test attempt id for calls about one
attempt, the current UNIX time for calls about the whole tenant (in the unit and with the digest
encoding the account uses: auth.py). The server refuses a timestamp more than 60 s away from its
own clock, so a timestamp is taken when a request is sent, never reused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(message: str, secret: str) -> str:
    """Return the 44-character standard Base64 (padded) HMAC-SHA256 of `message` under `secret`.

    The result may contain `+`, `/` and `=`: percent-encode it wherever it goes into a URL.
    """
    digest = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class Secret:
    """Holds the client secret so that no repr, log line or traceback of locals can show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        """`text` with any occurrence of the secret masked (server messages are not trusted)."""
        if self._value and self._value in text:
            return text.replace(self._value, "********")
        return text

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __reduce__(self):
        raise TypeError("the AutoProctor client secret cannot be pickled")
