"""A streamed ZIP whose last member, MANIFEST.sha256, holds the SHA-256 of every other member.

Shared by the ZIPs that must stand on their own (an attempt's case file, a candidate's copy of
their data): each member is a function giving its bytes (or an iterable of chunks), called
only when the stream (zipstream-ng) reaches it, and hashed as its bytes pass, so the manifest
is written without reading anything twice and nothing is held in memory but the chunk in
flight. Check a downloaded file with `sha256sum -c MANIFEST.sha256`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator

from zipstream import ZIP_DEFLATED, ZIP_STORED, ZipStream

MANIFEST = "MANIFEST.sha256"
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

Data = Callable[[], Iterable[bytes] | bytes]


def safe_name(text: str) -> str:
    """`text` as one file name's part: letters, digits, dot, dash and underscore only."""
    return SAFE_NAME.sub("-", text).strip("-.") or "unnamed"


def json_bytes(value) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False).encode()


class ManifestedZip:
    """Add members with `add(name, data)`, then iterate `finish()` for the ZIP's bytes."""

    def __init__(self, *, compress: bool = True) -> None:
        self.stream = ZipStream(compress_type=ZIP_DEFLATED if compress else ZIP_STORED)
        self.hashes: list[tuple[str, str]] = []

    def add(self, name: str, data: Data, *, stored: bool = False) -> None:
        """Add member `name`; `stored` leaves it uncompressed (images and audio are
        compressed already)."""
        self.stream.add(
            self._hashed(name, data), name, compress_type=ZIP_STORED if stored else None
        )

    def finish(self) -> ZipStream:
        self.stream.add(self._manifest(), MANIFEST)
        return self.stream

    def _hashed(self, name: str, data: Data) -> Iterator[bytes]:
        digest = hashlib.sha256()
        produced = data()
        for chunk in [produced] if isinstance(produced, bytes) else produced:
            digest.update(chunk)
            yield chunk
        self.hashes.append((name, digest.hexdigest()))

    def _manifest(self) -> Iterator[bytes]:
        yield "".join(f"{digest}  {name}\n" for name, digest in self.hashes).encode()
