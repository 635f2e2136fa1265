"""urllib3 re-encodes every request target, character by character, once it holds a `%`.

Our signed URLs always do (the Base64 signature's `+`, `/` and `=` are sent as %2B, %2F, %3D),
and so do storage URLs: urllib3's `_encode_target` then walks the path and the query byte by
byte in Python, about 25 µs a call, three calls an attempt of the evidence pass (0.08 ms of its
2.4 ms of CPU an attempt, by thread CPU time). urllib3 has no option to send a target as it is.

`install()` puts a check in front of it: a target that is already in the form urllib3 would
produce (only characters it leaves alone, every `%` the start of an escape in upper-case hex, no
fragment) is returned as it is, which is exactly what urllib3 returns for it; any other target
goes to urllib3's own function. The result is the same for every target
(autoproctor/tests/test_autoproctor_pre_encoded.py compares both), so nothing sent changes.
Installed only over the function it was written against (urllib3 2's); anything else is left
alone.
"""

from __future__ import annotations

import re
import threading

import urllib3
from urllib3 import connectionpool
from urllib3.util import url as urllib3_url

# urllib3's _PATH_CHARS (unreserved, sub-delims, ":", "@", "/") and its _QUERY_CHARS ("?" too).
_PATH = r"[A-Za-z0-9\-._~!$&'()*+,;=:@/]"
_QUERY = r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?]"
_ESCAPE = r"%[0-9A-F]{2}"
ENCODED_TARGET = re.compile(rf"/(?:{_PATH}|{_ESCAPE})*(?:\?(?:{_QUERY}|{_ESCAPE})*)?")

# urllib3's own function (None if this urllib3 has none: then nothing is installed).
URLLIB3_ENCODE_TARGET = getattr(urllib3_url, "_encode_target", None)

_lock = threading.Lock()


def encode_target(target: str) -> str:
    """urllib3's `_encode_target`, returning an already encoded target without the walk."""
    if type(target) is str and ENCODED_TARGET.fullmatch(target):
        return target
    return URLLIB3_ENCODE_TARGET(target)


def install() -> bool:
    """Put `encode_target` in front of urllib3's connection pools; True if it is (now) there."""
    with _lock:
        current = getattr(connectionpool, "_encode_target", None)
        if current is encode_target:
            return True
        if current is None or current is not URLLIB3_ENCODE_TARGET:
            return False  # not the function checked here
        if not urllib3.__version__.startswith("2."):
            return False
        connectionpool._encode_target = encode_target
        return True
