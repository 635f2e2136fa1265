"""Bidirectional control characters shown as visible escapes, on every page and in the CSV.

U+202E (RIGHT-TO-LEFT OVERRIDE) and its kin reorder the text that follows them, so a candidate
named "Ann\u202eexe.txt" or an attempt id built the same way reads differently from what is
stored, and a reviewer is misled. Every HTML page leaves this server with each such character
replaced by a visible "<U+202E>", whatever template or admin page it came from, and every CSV
cell the same way. The marks that only set a direction (U+200E, U+200F, U+061C) are left alone:
right-to-left names use them and they reorder nothing by themselves.
"""

from __future__ import annotations

import re

# LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# The same characters as UTF-8 bytes, to scan a rendered page without decoding it.
BIDI_CONTROL_BYTES = re.compile(rb"\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")


def escape_bidi(text: str) -> str:
    """`text` with each bidirectional control shown as <U+XXXX>."""
    if not BIDI_CONTROLS.search(text):
        return text
    return BIDI_CONTROLS.sub(lambda match: f"<U+{ord(match[0]):04X}>", text)


def escape_bidi_html(html: str) -> str:
    """A rendered HTML document (one that does not pass the middleware: a case file's
    report) with each bidirectional control shown as &lt;U+XXXX&gt;."""
    return BIDI_CONTROLS.sub(lambda match: f"&lt;U+{ord(match[0]):04X}&gt;", html)


def _escaped_bytes(match: re.Match) -> bytes:
    return f"&lt;U+{ord(match[0].decode()):04X}&gt;".encode()


class BidiEscapeMiddleware:
    """Replaces bidirectional controls in every (non-streaming) HTML response. Header names are
    matched whatever their case, as HTTP reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            not response.streaming
            and response.get("content-type", "").startswith("text/html")
            and BIDI_CONTROL_BYTES.search(response.content)
        ):
            response.content = BIDI_CONTROL_BYTES.sub(_escaped_bytes, response.content)
            if response.has_header("content-length"):
                response["content-length"] = str(len(response.content))
        return response
