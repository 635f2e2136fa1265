"""Make text from AutoProctor storable in any database we support.

PostgreSQL's `text` and `jsonb` reject the NUL character (U+0000), and no UTF-8 column can hold
a lone surrogate (JSON's "\\ud800" decodes to one). Candidate names and ids come from the
candidates themselves, so either may arrive in any string AutoProctor sends, and one such string
would make a whole results page fail on every run. `storable()` is applied where AutoProctor's
JSON is decoded, so every typed value and every raw object we keep is already clean: each NUL
and each lone surrogate, in keys and values alike, becomes U+FFFD REPLACEMENT CHARACTER ("�"),
which shows a reader that a character was there.
"""

from __future__ import annotations

import json
import re
from typing import Any

REPLACEMENT = "\ufffd"
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# In JSON text both can only be written as escapes: \u0000, or \uD800 to \uDFFF.
UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def loads(content: bytes | str) -> Any:
    """json.loads, made storable; documents without a suspicious escape are not walked."""
    document = json.loads(content)
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    return storable(document) if UNSTORABLE_ESCAPE.search(content) else document


def storable_text(text: str) -> str:
    """`text` with each NUL and lone surrogate replaced by U+FFFD."""
    return UNSTORABLE.sub(REPLACEMENT, text) if UNSTORABLE.search(text) else text


def storable(document: Any) -> Any:
    """A decoded JSON document with every string (keys included) made storable."""
    if isinstance(document, str):
        return storable_text(document)
    if isinstance(document, dict):
        return {storable_text(str(key)): storable(value) for key, value in document.items()}
    if isinstance(document, list):
        return [storable(item) for item in document]
    return document


class EscapeWatch:
    """A binary stream that notes whether the JSON text read through it so far holds an escape
    storable() would replace: the streamed counterpart of loads()'s check, so the items of a
    streamed answer are walked only when one may need it."""

    # The longest escape is six bytes; keeping the last five read finds one cut between reads,
    # however few bytes each read gave.
    OVERLAP = 5

    def __init__(self, stream: Any):
        self._stream = stream
        self._tail = b""
        self.seen = False

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        if not self.seen and chunk:
            window = self._tail + chunk
            self.seen = UNSTORABLE_ESCAPE.search(window) is not None
            self._tail = window[-self.OVERLAP :]
        return chunk
