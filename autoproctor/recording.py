"""A shape recording: what the doctor saw of a real account, minus the account.

While the doctor runs, `ShapeRecorder` keeps, per call, the request form (endpoint, id form,
client-id parameter name: never a value), the status, the headers that matter (content type,
paging, rate limits) and the body's structure; and of the results listing, the envelope, paging,
order and item keys, with a few sample items. Of the calls the client makes for the doctor
(usage, presigned URLs) it keeps the request's form (method, path, parameter and header names,
the body's structure) and the answer's envelope, keys and value formats; of the evidence, the
file-URL answer's envelope and the evidence JSON's lists, record keys and timestamp formats; and
of three harmless refusals the doctor provokes on purpose (a wrong signature, a stale
timestamp, an unknown attempt: all on read calls), the status, content type and body structure.
Every string that may be personal or secret is
replaced by a consistent fake (anonymise.py); the client id and secret are never written, and
`dump()` refuses to write a document that still contains either. The simulator replays the file
(autoproctor/testing/replay.py), so the demo, the tests and a bug report can run against the
customer's dialect without the customer's account.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import requests

from .anonymise import IDENTIFIER, TIMESTAMP, VOCABULARY_KEYS, Anonymiser
from .doctor_report import DoctorReport
from .stream import Listing
from .transport import Exchange
from .wire import is_rate_limit_header, names_for

# Headers every HTTP client sends: not part of an account's request form.
ORDINARY_HEADERS = frozenset(
    {"user-agent", "accept", "accept-encoding", "connection", "content-length", "content-type"}
)

# Bumped when the structure changes; replay refuses a version it does not know.
# 2: usage, presigned URLs, the evidence file URL's answer, the evidence JSON's record keys and
#    formats, and the provoked refusals ("answers", "errors").
FORMAT = "autoproctor-shape-recording/2"
SAMPLE_ITEMS = 3
KEPT_HEADERS = ("content-type", "link", "x-total-count", "retry-after")


class SecretInRecording(RuntimeError):
    """The recording would contain the client id or secret: it is not written."""


def shape(value: Any, text: Callable[[str], str] | None = None) -> Any:
    """The structure of a JSON value: keys and nesting, with each leaf as its type's name; with
    `text` (the anonymiser), a key that is not a name (an S3 path keying a URL) is faked."""
    if isinstance(value, dict):
        return {
            key if text is None or IDENTIFIER.fullmatch(key) else text(key): shape(item, text)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [shape(value[0], text)] if value else []
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
        self.file_url_answer: dict | None = None
        self.answers: dict[str, dict] = {}
        self.errors: dict[str, dict] = {}

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
            elif call["endpoint"] == "evidence file URL" and isinstance(document, dict):
                self.file_url_answer = self.file_url_answer or document
        self.calls.append(call)

    def saw_exchange(self, kind: str, exchange: Exchange, test_attempt_id: str = "") -> None:
        """A call the client made for the doctor (`kind`: usage, presigned URLs): its request's
        form and its answer's shape, the first time it answered."""
        if kind in self.answers or exchange.status is None:
            return
        parts = urlsplit(exchange.url)
        path = parts.path
        if test_attempt_id:
            path = path.replace(quote(test_attempt_id, safe=""), "{test_attempt_id}")
        request: dict[str, Any] = {
            "method": exchange.method,
            "path": path,
            "query parameters": sorted(dict(parse_qsl(parts.query))),
            "header names": sorted(
                name for name in exchange.request_headers if name.lower() not in ORDINARY_HEADERS
            ),
        }
        if exchange.request_body:
            request["content type"] = _header(exchange.request_headers, "content-type")
            request["body"] = shape(self.anonymiser.document(_json(exchange.request_body)))
        answer = self.answer_shape(
            _json(exchange.response_text),
            exchange.status,
            _header(exchange.response_headers, "content-type"),
            with_sample=kind != "usage",  # usage's figures are the account's: formats only
        )
        self.answers[kind] = {"request": request, **answer}

    def saw_refusal(self, reason: str, endpoint: str, response: requests.Response) -> None:
        """The answer to a refusal the doctor provoked on purpose (reason: bad signature,
        stale timestamp, unknown attempt)."""
        answer = self.answer_shape(
            _json(response.text), response.status_code, response.headers.get("content-type", "")
        )
        self.errors[reason] = {"endpoint": endpoint, **answer}

    def answer_shape(
        self, document: Any, status: int, content_type: str, with_sample: bool = True
    ) -> dict:
        """An answer's status, content type and structure: its keys in order, each key's value
        format, the item keys and formats of each list of objects, the form of each URL, and
        (`with_sample`) the answer with every string replaced by a consistent fake."""
        answer: dict[str, Any] = {"status": status, "content type": content_type}
        if not isinstance(document, dict):
            answer["body"] = "not JSON" if document is None else shape(document)
            return answer
        fake = self.anonymiser.document
        answer["top keys"] = [self.anonymiser._key(key) for key in document]
        answer["value formats"] = value_formats([document], self.anonymiser.text)
        answer["lists"] = {
            key: {
                "item keys": ordered_union([list(item) for item in items]),
                "value formats": value_formats(items, self.anonymiser.text),
            }
            for key, value in document.items()
            if isinstance(value, list)
            and (items := [item for item in value if isinstance(item, dict)])
        }
        urls = [value for value in _strings(document) if value.startswith(("http://", "https"))]
        if urls:
            answer["URL form"] = url_form(urls[0])
        answer["body"] = shape(fake(document))
        if with_sample:
            answer["sample"] = fake(_trimmed(document))
        return answer

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
                "statuses, value formats, refusals), with every name, email, id, URL, path and "
                "signature replaced by a consistent fake. No client id or secret, no usage figures."
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
            "evidence file URL": (
                self.answer_shape(self.file_url_answer, 200, "application/json")
                if self.file_url_answer
                else None
            ),
            "evidence JSON": {
                "shape": shape(self.evidence) if self.evidence else None,
                "labels": sorted(_labels(self.evidence)) if self.evidence else [],
                "sample": fake(_trimmed(self.evidence)) if self.evidence else None,
                **(self.evidence_structure() if self.evidence else {}),
            },
            "answers": self.answers,
            "errors": self.errors,
            "calls": self.calls,
            "replaced": dict(sorted(self.anonymiser.replaced.items())),
        }

    def evidence_structure(self) -> dict:
        """The evidence JSON's top keys in order, and its records' keys and value formats."""
        records = [
            record
            for value in self.evidence.values()
            if isinstance(value, list)
            for record in value
            if isinstance(record, dict)
        ]
        return {
            "top keys": list(self.evidence),
            "record keys": ordered_union([list(record) for record in records]),
            "record formats": value_formats(records, self.anonymiser.text),
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
                described = shape(value, text)
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


def _trimmed(document: dict) -> dict:
    """The document with at most SAMPLE_ITEMS items per list and per object of objects."""
    trimmed = {}
    for key, value in document.items():
        if isinstance(value, list):
            value = value[:SAMPLE_ITEMS]
        elif isinstance(value, dict) and len(value) > SAMPLE_ITEMS:
            value = dict(list(value.items())[:SAMPLE_ITEMS])
        trimmed[key] = value
    return trimmed


def url_form(url: str) -> dict:
    """A URL's form without its address: scheme, how many path segments, the query's
    parameter names (e.g. S3's X-Amz-Date and X-Amz-Expires, which say when it expires)."""
    parts = urlsplit(url)
    return {
        "scheme": parts.scheme,
        "path segments": len([segment for segment in parts.path.split("/") if segment]),
        "query parameters": sorted(dict(parse_qsl(parts.query))),
    }


def _strings(value: Any):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def _json(text: str | bytes | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _header(headers: dict, name: str) -> str:
    return next((value for key, value in headers.items() if key.lower() == name), "")
