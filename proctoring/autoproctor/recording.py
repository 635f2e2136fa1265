"""A shape recording: what the doctor saw of a real account, minus the account.

While the doctor runs, `ShapeRecorder` keeps, per call, the request form (endpoint, id form,
client-id parameter name: never a value), the status, the headers that matter (content type,
paging, rate limits) and the body's structure; and of the results listing, the envelope, paging,
order and item keys, with a few sample items. Every string that may be personal or secret is
replaced by a consistent fake (anonymise.py); the client id and secret are never written, and
`dump()` refuses to write a document that still contains either. The simulator replays the file
(proctoring/simulator/replay.py), so the demo, the tests and a bug report can run against the
customer's dialect without the customer's account.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from .anonymise import TIMESTAMP, VOCABULARY_KEYS, Anonymiser
from .doctor_report import DoctorReport
from .stream import Listing
from .wire import is_rate_limit_header, names_for

FORMAT = "autoproctor-shape-recording/1"
SAMPLE_ITEMS = 3
KEPT_HEADERS = ("content-type", "link", "x-total-count", "retry-after")


class SecretInRecording(RuntimeError):
    """The recording would contain the client id or secret: it is not written."""


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys and nesting, with each leaf as its type's name."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return "null" if value is None else type(value).__name__


def ordered_union(key_lists: list[list[str]]) -> list[str]:
    """Every key, each new one placed after the key it followed where it was first seen."""
    union: list[str] = []
    for keys in key_lists:
        previous = None
        for key in keys:
            if key not in union:
                union.insert(union.index(previous) + 1 if previous else 0, key)
            previous = key
    return union


class ShapeRecorder:
    def __init__(self, client_id: str, client_secret: str):
        self.anonymiser = Anonymiser([client_id, client_secret])
        self._secrets = [client_id, client_secret]
        self.calls: list[dict] = []
        self.listing: dict = {}
        self.one_attempt: list[dict] = []
        self.evidence: dict | None = None

    # --- fed by the doctor ----------------------------------------------------------------------
    def saw(
        self, method: str, url: str, response: requests.Response, streamed: bool = False
    ) -> None:
        """One answered call; a streamed body is left to `saw_listing`."""
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        call: dict[str, Any] = {"endpoint": endpoint_of(parts.path), "method": method}
        if call["endpoint"] == "attempt":
            call["form"] = "id-query" if "hashed_test_attempt_id" in query else "hashed-path"
            call["id_has_slash"] = "%2f" in parts.path.lower()
        call["query parameters"] = sorted(query)
        call["status"] = response.status_code
        call["headers"] = {
            name.lower(): self.anonymiser.text(value, "header") if name.lower() == "link" else value
            for name, value in response.headers.items()
            if name.lower() in KEPT_HEADERS or is_rate_limit_header(name)
        }
        if not streamed:
            try:
                document = response.json()
            except ValueError:
                document = None
            call["body"] = shape(document) if document is not None else "not JSON"
            if response.status_code >= 400 and isinstance(document, dict):
                call["error sample"] = self.anonymiser.document(document)
            elif call["endpoint"] == "attempt" and isinstance(document, dict):
                self.one_attempt.append(document)
            elif call["endpoint"] == "evidence JSON" and self.evidence is None:
                self.evidence = document if isinstance(document, dict) else None
        self.calls.append(call)

    def saw_listing(self, listing: Listing, attempts: list, learned: dict) -> None:
        raws = [attempt.raw for attempt in attempts]
        self.listing = {
            "top keys": list(listing.top_keys),
            "paged": learned.get("paged"),
            "page size": len(raws) if listing.next_url else None,
            "count given": listing.total is not None,
            "order": learned.get("listing_order") or "unknown",
            "item keys": ordered_union([list(raw) for raw in raws]),
            "value formats": value_formats(raws, self.anonymiser.text),
            "items": raws[:SAMPLE_ITEMS],
        }

    # --- the file --------------------------------------------------------------------------------
    def document(self, report: DoctorReport) -> dict:
        fake = self.anonymiser.document
        envelopes = [doc for doc in self.one_attempt if isinstance(doc, dict)]
        inner = [doc.get("test_attempt", doc) for doc in envelopes]
        beside = next(
            (
                name
                for doc in envelopes
                for name in names_for("evidence_status")
                if name in doc and "test_attempt" in doc
            ),
            None,
        )
        listing = dict(self.listing, items=fake(self.listing.get("items", [])))
        return {
            "format": FORMAT,
            "what this is": (
                "The shapes of an AutoProctor account's answers (keys, envelopes, paging, order, "
                "statuses, value formats), with every name, email, id, URL, path and signature "
                "replaced by a consistent fake. No client id or secret."
            ),
            "learned": dict(report.learned),
            "listing": listing,
            "one attempt": {
                "top keys": ordered_union([list(doc) for doc in envelopes]),
                "attempt keys": ordered_union(
                    [list(doc) for doc in inner if isinstance(doc, dict)]
                ),
                "evidence_status beside test_attempt as": beside,
                "samples": fake(envelopes[:SAMPLE_ITEMS]),
            },
            "evidence JSON": {
                "shape": shape(self.evidence) if self.evidence else None,
                "labels": sorted(_labels(self.evidence)) if self.evidence else [],
                "sample": fake(_trimmed(self.evidence)) if self.evidence else None,
            },
            "calls": self.calls,
            "replaced": dict(sorted(self.anonymiser.replaced.items())),
        }

    def dump(self, report: DoctorReport, path: str | Path) -> dict:
        """Write the recording as indented JSON; SecretInRecording if it would hold a secret."""
        document = self.document(report)
        text = json.dumps(document, indent=2, ensure_ascii=False)
        if any(secret and secret in text for secret in self._secrets):
            raise SecretInRecording(
                "The recording still contains the client id or secret, so it was not written."
            )
        Path(path).write_text(text + "\n", encoding="utf-8")
        return document


def value_formats(items: list[dict], text: Callable[[str, str], str]) -> dict[str, list[str]]:
    """Per top-level key, how its values look, never what they are: a timestamp's format
    (digits as 9), a text's length range, a vocabulary's words (through `text`, the
    anonymiser, which fakes any that could be personal), or a type's name."""
    seen: dict[str, set[str]] = {}
    lengths: dict[str, list[int]] = {}
    for item in items:
        for key, value in item.items():
            if isinstance(value, str) and key in VOCABULARY_KEYS:
                seen.setdefault(key, set()).add(text(value, key))
            elif isinstance(value, str) and TIMESTAMP.fullmatch(value):
                mask = "".join("9" if char.isdigit() else char for char in value)
                seen.setdefault(key, set()).add(f"timestamp {mask}")
            elif isinstance(value, str):
                lengths.setdefault(key, []).append(len(value))
            else:
                described = shape(value)
                seen.setdefault(key, set()).add(
                    described if isinstance(described, str) else json.dumps(described)
                )
    formats = {key: sorted(map(str, values)) for key, values in seen.items()}
    for key, found in lengths.items():
        text = f"text of {min(found)}-{max(found)} characters"
        formats[key] = sorted([*formats.get(key, []), text])
    return formats


def _labels(evidence: dict) -> set[str]:
    return {
        record["label"]
        for records in evidence.values()
        if isinstance(records, list)
        for record in records
        if isinstance(record, dict) and isinstance(record.get("label"), str)
    }


def endpoint_of(path: str) -> str:
    if "/results/" in path:
        return "results"
    if "evidence-records-file-url" in path:
        return "evidence file URL"
    if "/test-attempts/" in path:
        return "attempt"
    if path.endswith(".json"):
        return "evidence JSON"
    return "other"


def _trimmed(evidence: dict) -> dict:
    """The evidence JSON with at most SAMPLE_ITEMS records per list."""
    return {
        key: value[:SAMPLE_ITEMS] if isinstance(value, list) else value
        for key, value in evidence.items()
    }
