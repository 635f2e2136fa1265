"""Replay: a dialect built from a shape recording (autoproctor/recording.py), so the
simulator serves its synthetic data of any size in exactly the shapes a real account sent:
the attempt's field names, the results envelope, paging and order, where the one-attempt call
puts `evidence_status`, whether the hashed-id form survives a `/` in the hash, the format of
each timestamp field; the envelope, keys and value formats of the usage, presigned-URL and
evidence-file-URL answers and their success status; the evidence JSON's lists, record keys and
timestamp formats; and for each kind of refusal (a wrong signature, a stale timestamp, an
unknown attempt) the recorded status, content type and body structure. Everything else
(signatures, the time window, expiring URLs and their form, faults) is the simulator's own
behaviour, on top.

The simulator's data uses the contract's field names; each is matched to a recorded name by
spelling (`submitted_at`, `submittedAt`), then by position (the unmatched name right after the
same neighbour: `finished_at` after `started_at`). A contract field with no recorded
counterpart was absent from the account's answers and is left out; any other key is kept.
The other answers are matched the same way, and a recorded key the simulator has no value for
is filled from the recording's faked sample, or else from its recorded format.

Recordings of format 1 (before usage, presigned URLs, evidence records and refusals were
recorded) still replay: what they do not hold is served in the contract's shape.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from autoproctor.testing.dialects import (
    ASCENDING,
    DECODED_SLASHES,
    EVIDENCE_FILE_URL,
    EVIDENCE_JSON,
    HEX_SIGNATURES,
    MILLISECOND_TIMESTAMPS,
    PERCENT_SCORES,
    UNORDERED,
    UNPAGED,
    Dialect,
    camel,
)
from autoproctor.testing.messages import Response, json_response

FORMAT = "autoproctor-shape-recording/{version}"
VERSIONS = ("1", "2")  # the recording formats this simulator replays
VOCABULARY_KEYS = frozenset(
    {"status", "label", "evidence_status", "evidenceStatus", "data_type", "dataType", "device"}
)
FILLER_MOMENT = datetime(2020, 1, 1, tzinfo=UTC)
TEXT_FORMAT = re.compile(r"text of (\d+)-\d+ characters")
TYPE_FILLERS = {"int": 0, "float": 0.0, "bool": False, "null": None, "str": ""}
# The attempt fields of the contract: when a recording has none of their spellings, the account
# does not send them.
CONTRACT_FIELDS = (
    "test_attempt_id",
    "lookup_key",
    "user_details",
    "started_at",
    "submitted_at",
    "trust_score",
    "evidence_status",
    "device",
)
TIMESTAMP_FORMAT = re.compile(r"timestamp (9{4}-99-99)(?:([T ])(99:99:99)(\.9+)?)?(Z|[+-]99:?99)?")


class ReplayError(ValueError):
    """The file is not a shape recording this simulator can replay."""


def load_recording(source: str | Path | dict) -> dict:
    """The recording as a dict; ReplayError naming the file and the problem."""
    if isinstance(source, dict):
        document = source
    else:
        try:
            document = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ReplayError(f"Cannot read the recording {source}: {error}") from None
    name = source if not isinstance(source, dict) else "The recording"
    kind = document.get("format") if isinstance(document, dict) else None
    prefix, _, version = str(kind).rpartition("/")
    make = "make one with `manage.py autoproctor_doctor --record FILE`"
    if not isinstance(document, dict) or prefix != FORMAT.rpartition("/")[0]:
        raise ReplayError(f"{name} is not a shape recording ({FORMAT.format(version=2)}); {make}.")
    if version not in VERSIONS:
        raise ReplayError(
            f"{name} is a shape recording of format version {version}, which this simulator "
            f"cannot replay (it replays versions {' and '.join(VERSIONS)}): update the product, "
            f"or {make.replace('make one', 'record it again')} on this version."
        )
    return document


def rename_map(keys: list[str], recorded: list[str]) -> dict[str, str | None]:
    """Each of `keys` (contract names, in the simulator's order) -> its recorded name, or None
    when the recording shows the account does not send it."""
    mapping: dict[str, str | None] = {}
    used: set[str] = set()
    for key in keys:
        for spelling in (key, camel(key)):
            if spelling in recorded and spelling not in used:
                mapping[key] = spelling
                used.add(spelling)
                break
    for index, key in enumerate(keys):
        if key in mapping:
            continue
        before = mapping.get(keys[index - 1]) if index else None
        position = recorded.index(before) + 1 if before in recorded else (0 if not index else -1)
        partner = recorded[position] if 0 <= position < len(recorded) else None
        if partner is not None and partner not in used:
            mapping[key] = partner
            used.add(partner)
        else:
            mapping[key] = None if key in CONTRACT_FIELDS else key
    return mapping


class ReplayDialect(Dialect):
    """The shapes of one recording, applied to what the simulator's endpoints send."""

    def __init__(self, recording: str | Path | dict):
        self.recording = load_recording(recording)
        listing = self.recording.get("listing") or {}
        one = self.recording.get("one attempt") or {}
        self.listing_keys = list(listing.get("item keys") or [])
        self.attempt_keys = list(one.get("attempt keys") or self.listing_keys)
        self.status_beside = one.get("evidence_status beside test_attempt as")
        self.envelope = [key for key in one.get("top keys") or [] if key != self.status_beside]
        names = set()
        if listing.get("paged") is False:
            names.add(UNPAGED)
        if listing.get("order") == "ascending":
            names.add(ASCENDING)
        if listing.get("order") == "unordered":
            names.add(UNORDERED)
        if self._refused_slashed_hash():
            names.add(DECODED_SLASHES)
        # The forms the doctor learned: the tenant calls' authentication, the scores' scale.
        learned = self.recording.get("learned") or {}
        if learned.get("timestamp_unit") == "milliseconds":
            names.add(MILLISECOND_TIMESTAMPS)
        if learned.get("signature_encoding") == "hex":
            names.add(HEX_SIGNATURES)
        if learned.get("trust_score_scale") == "percent":
            names.add(PERCENT_SCORES)
        self.names = frozenset(names)
        self.page_size = listing.get("page size") or None
        self.formats = timestamp_formats(listing.get("value formats") or {})
        self._maps: dict[tuple, dict] = {}
        self.answers = dict(self.recording.get("answers") or {})
        if self.recording.get("evidence file URL"):
            self.answers[EVIDENCE_FILE_URL] = self.recording["evidence file URL"]
        self.errors = self.recording.get("errors") or {}
        evidence = self.recording.get("evidence JSON") or {}
        self.evidence_keys = list(evidence.get("top keys") or evidence.get("shape") or [])
        self.record_keys = list(evidence.get("record keys") or _record_keys(evidence))
        self.record_formats = timestamp_formats(evidence.get("record formats") or {})

    def _refused_slashed_hash(self) -> bool:
        calls = [c for c in self.recording.get("calls") or [] if c.get("endpoint") == "attempt"]
        return any(
            c.get("form") == "hashed-path" and c.get("id_has_slash") and c.get("status") == 404
            for c in calls
        ) and any(c.get("form") == "id-query" and c.get("status") == 200 for c in calls)

    def listed(self, attempt: dict) -> dict:
        return self._apply(attempt, self.listing_keys)

    def one_attempt(self, attempt: dict) -> dict:
        attempt = dict(attempt)
        status = attempt.pop("evidence_status", None) if self.status_beside else None
        inner = self._apply(attempt, self.attempt_keys)
        if "test_attempt" not in self.envelope:
            return inner
        document = {key: "success" for key in self.envelope if key != "test_attempt"}
        document["test_attempt"] = inner
        if self.status_beside:
            document[self.status_beside] = status
        return document

    def reshape_error(self, response: Response) -> Response:
        """A refusal as the account refused: the status, content type and body recorded for its
        kind; else a JSON error in the keys of any recorded error body (unchanged when none)."""
        if response.status < 400 or response.content_type != "application/json":
            return response
        try:
            message = json.loads(response.body).get("message", "")
        except (ValueError, AttributeError):
            return response
        recorded = self.errors.get(response.reason)
        if recorded:
            return self._recorded_refusal(response, message, recorded)
        samples = [c.get("error sample") for c in self.recording.get("calls") or []]
        samples += [error.get("sample") for error in self.errors.values()]
        sample = next((each for each in samples if each), None)
        if not isinstance(sample, dict) or not sample:
            return response
        return replace(response, body=_error_body(sample, message))

    def _recorded_refusal(self, response: Response, message: str, recorded: dict) -> Response:
        content_type = recorded.get("content type") or response.content_type
        sample = recorded.get("sample")
        if isinstance(sample, dict) and sample:
            body = _error_body(sample, message)
        elif "json" in content_type:
            body = response.body
        else:  # the account refuses in plain text or HTML: its words are not recorded
            body = message.encode()
        status = recorded.get("status") or response.status
        return replace(response, status=status, body=body, content_type=content_type)

    def answer(self, kind: str, document: dict) -> Response:
        """The answer of a call of `kind` in the recorded envelope, keys and formats, with the
        recorded success status (the contract's when the recording has none)."""
        if kind == EVIDENCE_JSON:
            return json_response(self._evidence(document))
        recorded = self.answers.get(kind)
        if not recorded or not recorded.get("top keys"):
            return super().answer(kind, document)
        reshaped = reshape(document, recorded)
        return json_response(reshaped, status=recorded.get("status") or 200)

    def _evidence(self, document: dict) -> dict:
        if not self.evidence_keys:
            return document
        mapping = rename_map(list(document), self.evidence_keys)
        reshaped = {}
        for key, value in document.items():
            name = mapping[key]
            if name is None or name not in self.evidence_keys:
                continue
            if isinstance(value, list) and self.record_keys:
                value = [self._record(record) for record in value]
            reshaped[name] = value
        sample = (self.recording.get("evidence JSON") or {}).get("sample") or {}
        return {
            key: reshaped[key] if key in reshaped else sample.get(key) for key in self.evidence_keys
        }

    def _record(self, record: dict) -> dict:
        keys = tuple(record)
        mapping = self._maps.get((keys, "record"))
        if mapping is None:
            mapping = self._maps[(keys, "record")] = rename_map(list(keys), self.record_keys)
        return {
            mapping[key]: formatted(value, self.record_formats.get(mapping[key]))
            for key, value in record.items()
            if mapping[key] is not None
        }

    def _apply(self, attempt: dict, recorded: list[str]) -> dict:
        attempt = self._rescale(attempt)
        keys = tuple(attempt)
        mapping = self._maps.get((keys, id(recorded)))
        if mapping is None:
            mapping = self._maps[(keys, id(recorded))] = rename_map(list(keys), recorded)
        return {
            mapping[key]: self._formatted(mapping[key], value)
            for key, value in attempt.items()
            if mapping[key] is not None
        }

    def _formatted(self, name: str, value):
        return formatted(value, self.formats.get(name))


def formatted(value, recorded: tuple | None):
    """A timestamp or date in a recorded format (as the simulator sent it otherwise)."""
    if recorded is None or not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return render_timestamp(moment, *recorded)


def reshape(document: dict, recorded: dict) -> dict:
    """`document` in a recorded answer's keys, order and value formats (recording.py's
    `answer_shape`), with its lists of objects reshaped the same way."""
    keys = list(recorded.get("top keys") or [])
    formats = recorded.get("value formats") or {}
    mapping = rename_map(list(document), keys)
    by_name = {mapping[key]: value for key, value in document.items() if mapping[key] in keys}
    sample = recorded.get("sample") or {}
    lists = recorded.get("lists") or {}
    timestamps = timestamp_formats(formats)
    shaped = {}
    for name in keys:
        if name not in by_name:
            shaped[name] = filler(name, formats.get(name) or [], sample.get(name))
            continue
        value = by_name[name]
        if isinstance(value, list) and name in lists:
            value = [
                reshape(item, {"top keys": lists[name].get("item keys"), **lists[name]})
                if isinstance(item, dict)
                else item
                for item in value
            ]
        shaped[name] = formatted(value, timestamps.get(name))
    return shaped


def filler(name: str, formats: list[str], sample=None):
    """A value for a recorded key the simulator has none for: the faked sample's, else one of
    the recorded format (a vocabulary word, a timestamp, a text of the recorded length)."""
    if sample is not None:
        return sample
    for described in formats:
        if name in VOCABULARY_KEYS and not described.startswith(("timestamp ", "text of ")):
            return described
        recorded = timestamp_formats({name: [described]}).get(name)
        if recorded:
            return render_timestamp(FILLER_MOMENT, *recorded)
        length = TEXT_FORMAT.fullmatch(described)
        if length:
            return "x" * int(length[1])
        if described in TYPE_FILLERS:
            return TYPE_FILLERS[described]
    return None


def _error_body(sample: dict, message: str) -> bytes:
    """An error body in the keys of a recorded one, the simulator's message in its text key."""
    keys = list(sample)
    text_key = next((k for k in ("message", "detail", "error") if k in keys), keys[-1])
    body = {key: message if key == text_key else sample[key] for key in keys}
    return json.dumps(body, ensure_ascii=False).encode()


def _record_keys(evidence: dict) -> list[str]:
    """The record keys of a format-1 recording's evidence shape (its first list's items)."""
    for value in (evidence.get("shape") or {}).values():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return list(value[0])
    return []


def timestamp_formats(formats: dict) -> dict[str, tuple[str, int, str]]:
    """Recorded field name -> (separator, fraction digits, zone), for the fields recorded with
    exactly one timestamp format."""
    found = {}
    for key, values in formats.items():
        matches = [TIMESTAMP_FORMAT.fullmatch(value) for value in values if value != "null"]
        if len(matches) != 1 or matches[0] is None:
            continue
        match = matches[0]
        zone = match[5] or ""
        fraction = len(match[4]) - 1 if match[4] else 0
        found[key] = (match[2] or "", fraction, zone.replace("99", "00"))
    return found


def render_timestamp(moment: datetime, separator: str, fraction: int, zone: str) -> str:
    if not separator:  # a date
        return moment.strftime("%Y-%m-%d") + zone
    text = moment.strftime(f"%Y-%m-%d{separator}%H:%M:%S")
    if fraction:
        text += "." + f"{moment.microsecond:06d}"[:fraction].ljust(fraction, "0")
    return text + zone
