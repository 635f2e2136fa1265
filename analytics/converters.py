"""The test's lookup key in a URL: always one path segment, whatever AutoProctor sent.

A lookup key is the customer's own text. Written into `/tests/<key>/` as it is, `../` or `/`
make the browser resolve the link to another page (an evidence file, then audited as viewed),
and a key `..` or `.` is a directory step of its own. `to_url` percent-encodes every character
but the unreserved ones, and `.`/`..` as a whole; reverse() encodes the `%` once more, so the
link holds no `/` and no dot segment, and the server, which decodes the path once, hands
`to_python` the encoded key to decode. An address typed with a raw `/` (the old links) still
finds its test. A key holding a NUL cannot exist (the database refuses it): no such page.
"""

from __future__ import annotations

from urllib.parse import quote, unquote


class LookupKeyConverter:
    regex = ".+"

    def to_python(self, value: str) -> str:
        key = unquote(value)
        if "\x00" in key:
            raise ValueError("A lookup key never holds a NUL.")
        return key

    def to_url(self, value: str) -> str:
        if value in (".", ".."):
            return value.replace(".", "%2E")
        return quote(value, safe="")
