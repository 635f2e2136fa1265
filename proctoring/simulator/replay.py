"""Replay: a dialect built from a shape recording (proctoring/autoproctor/recording.py), so the
simulator serves its synthetic data of any size in exactly the shapes a real account sent:
the attempt's field names, the results envelope, paging and order, where the one-attempt call
puts `evidence_status`, whether the hashed-id form survives a `/` in the hash, the format of
each timestamp field, and the error body's keys. Everything else (signatures, the time
window, expiring URLs, faults) is the simulator's own behaviour, on top.

The simulator's data uses the contract's field names; each is matched to a recorded name by
spelling (`submitted_at`, `submittedAt`), then by position (the unmatched name right after the
same neighbour: `finished_at` after `started_at`). A contract field with no recorded
counterpart was absent from the account's answers and is left out; any other key is kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from proctoring.simulator.dialects import ASCENDING, DECODED_SLASHES, UNPAGED, Dialect, camel
from proctoring.simulator.messages import Response

FORMAT = "autoproctor-shape-recording/1"
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
TIMESTAMP_FORMAT = re.compile(r"timestamp (9{4}-99-99)([T ])(99:99:99)(\.9+)?(Z|[+-]99:?99)?")


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
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ReplayError(
            f"{source if not isinstance(source, dict) else 'The recording'} is not a shape "
            f"recording ({FORMAT}); make one with `manage.py autoproctor_doctor --record FILE`."
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
        if self._refused_slashed_hash():
            names.add(DECODED_SLASHES)
        self.names = frozenset(names)
        self.page_size = listing.get("page size") or None
        self.formats = timestamp_formats(listing.get("value formats") or {})
        self._maps: dict[tuple, dict] = {}

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
        """A JSON error in the recorded error body's keys (unchanged when none was recorded)."""
        sample = next(
            (c["error sample"] for c in self.recording.get("calls") or [] if "error sample" in c),
            None,
        )
        if response.status < 400 or response.content_type != "application/json":
            return response
        if not isinstance(sample, dict) or not sample:
            return response
        try:
            message = json.loads(response.body).get("message", "")
        except (ValueError, AttributeError):
            return response
        keys = list(sample)
        text_key = next((k for k in ("message", "detail", "error") if k in keys), keys[-1])
        body = {key: message if key == text_key else sample[key] for key in keys}
        return replace(response, body=json.dumps(body, ensure_ascii=False).encode())

    def _apply(self, attempt: dict, recorded: list[str]) -> dict:
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
        """A timestamp in the format recorded for its field (the simulator's ISO otherwise)."""
        recorded = self.formats.get(name)
        if recorded is None or not isinstance(value, str):
            return value
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return render_timestamp(moment, *recorded)


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
        found[key] = (match[2], fraction, zone.replace("99", "00"))
    return found


def render_timestamp(moment: datetime, separator: str, fraction: int, zone: str) -> str:
    text = moment.strftime(f"%Y-%m-%d{separator}%H:%M:%S")
    if fraction:
        text += "." + f"{moment.microsecond:06d}"[:fraction].ljust(fraction, "0")
    return text + zone
