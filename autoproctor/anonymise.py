"""Consistent fake values for a shape recording: every personal or secret string becomes a fake
of the same kind and shape (an email stays an email, an id keeps its length and the characters
that need percent-encoding, a timestamp keeps its format), and the same value always becomes the
same fake, so the structure between documents (one id in the listing and the report) survives
while nothing of the account does. Keys and the API's own vocabulary (labels, statuses, data
types) are kept: they are the shape, not the data. A value under a vocabulary key is kept only
when it reads as a vocabulary word (`tab-switch`, `processed`, `PRIMARY`): a device named
"Bob Smith iPhone" is someone's. Numbers are data too (a trust score, a student number): a
fraction becomes another fraction of the same precision, an integer of four digits or more
another of as many digits; small integers (positions, counts, statuses) are kept."""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

# Keys whose string values are the API's vocabulary, not anyone's data.
VOCABULARY_KEYS = frozenset(
    {"status", "label", "evidence_status", "evidenceStatus", "data_type", "dataType", "device"}
)
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A vocabulary word: lower case (camelCase allowed) or upper case, words joined by - or _.
VOCABULARY_WORD = re.compile(r"[a-z][a-zA-Z0-9]*(?:[-_][a-zA-Z0-9]+)*|[A-Z0-9]+(?:[-_][A-Z0-9]+)*")
# Integers below this are structure (positions, counts, HTTP statuses), not anyone's data.
KEPT_INTEGER = 1000
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
NAME_KEYS = frozenset({"name", "full_name", "fullName", "first_name", "last_name"})
FAKE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


class Anonymiser:
    """Replaces every value that may belong to the account; `replaced` counts what, by kind."""

    def __init__(self, secrets: Iterable[str] = ()):
        self.secrets = [secret for secret in secrets if secret]
        self.fakes: dict[str, str] = {}
        self.replaced: Counter[str] = Counter()

    def document(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {self._key(k): self.document(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.document(item, key) for item in value]
        if isinstance(value, str):
            return self.text(value, key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self.number(value)
        return value

    def number(self, value: int | float) -> int | float:
        """A consistent fake of the same kind: a fraction in [0, 1] (a trust score) stays one,
        with as many decimals; a large integer keeps its number of digits."""
        if isinstance(value, int) and abs(value) < KEPT_INTEGER:
            return value
        if isinstance(value, float) and not math.isfinite(value):
            return value
        key = f"{type(value).__name__}:{value!r}"
        if key not in self.fakes:
            n = len(self.fakes) + 1
            rng = random.Random(f"number-{n}")
            if isinstance(value, int):
                digits = len(str(abs(value)))
                fake = rng.randrange(10 ** (digits - 1), 10**digits) * (-1 if value < 0 else 1)
            else:
                decimals = min(len(repr(value).partition(".")[2]), 6) or 1
                low, high = (0.0, 1.0) if 0 <= value <= 1 else (0.0, 10 ** len(str(int(value))))
                fake = round(rng.uniform(low, high), decimals) * (-1 if value < 0 else 1)
            self.fakes[key] = fake
            self.replaced["number"] += 1
        return self.fakes[key]

    def text(self, value: str, key: str = "") -> str:
        secret = any(secret in value for secret in self.secrets)
        vocabulary = key in VOCABULARY_KEYS and len(value) <= 40
        if not value or (vocabulary and not secret and VOCABULARY_WORD.fullmatch(value)):
            return value
        if value not in self.fakes:
            kind, fake = self._fake(value, key, len(self.fakes) + 1)
            self.fakes[value] = fake
            self.replaced["value containing the client id or secret" if secret else kind] += 1
        return self.fakes[value]

    def _key(self, key: str) -> str:
        return key if IDENTIFIER.fullmatch(key) else self.text(key)

    def _fake(self, value: str, key: str, n: int) -> tuple[str, str]:
        if TIMESTAMP.fullmatch(value):
            return "timestamp", fake_timestamp(value, n)
        if "@" in value:
            return "email", f"person{n}@example.com"
        if value.startswith(("http://", "https://")):
            return "URL", f"https://files.example.invalid/object-{n}"
        if "/" in value and "." in value.rsplit("/", 1)[-1]:
            extension = value.rsplit(".", 1)[-1][:8]
            return "S3 path", f"evidence/fake-{n}/file-{n}.{extension}"
        if key in NAME_KEYS:
            return "name", f"Person {n}"
        return "id or text", same_shape(value, n)


def same_shape(value: str, n: int) -> str:
    """A random string of the same length where letters stay letters (of the same case, or
    non-Latin), digits stay digits and every other character is kept (`/`, `+`, spaces: the
    characters that matter for percent-encoding)."""
    rng = random.Random(f"fake-{n}")
    out = []
    for char in value:
        if char.isascii() and char.isdigit():
            out.append(rng.choice("0123456789"))
        elif char.isascii() and char.isalpha():
            letters = "abcdefghijklmnopqrstuvwxyz"
            out.append(rng.choice(letters.upper() if char.isupper() else letters))
        elif char.isalpha():
            out.append(chr(rng.randrange(0x4E00, 0x9FA5)))
        else:
            out.append(char)
    return "".join(out)


def fake_timestamp(value: str, n: int) -> str:
    """A timestamp of exactly `value`'s format (separator, fraction digits, zone) at a fake
    moment."""
    match = TIMESTAMP.fullmatch(value)
    moment = FAKE_EPOCH + timedelta(hours=n, seconds=n * 37)
    text = moment.strftime("%Y-%m-%d")
    if match[1]:
        text += match[1][0] + moment.strftime("%H:%M:%S")
        if match[2]:
            text += "." + f"{n:0{len(match[2]) - 1}d}"[-(len(match[2]) - 1) :]
    return text + (match[3] or "")
