"""Plain typed values the client returns, and the tolerant parsing of AutoProctor's JSON into them.

Parsing never fails a whole page because of one bad item: an item that cannot be represented
faithfully (a trust score on no known scale, a timestamp that is not a timestamp, no attempt id)
is left out and reported as a ParseProblem, and the rest is returned. Values on another scale or
in another form than the contract's (scales.py) are read as what they mean, and the form each
came in is kept on the attempt (`AttemptData.forms`) for the drift notes. Missing optional fields
become None, unknown fields stay in `raw`, unknown labels and statuses are kept as sent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .scales import FRACTION, PERCENT, forms_of, fraction_of, score_scale
from .wire import EVIDENCE_PROCESSED, pick

# How long a presigned URL lives when it does not say (assumed in the contract).
PRESIGNED_URL_LIFETIME = timedelta(minutes=15)

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".gif")
AUDIO_EXTENSIONS = (".webm", ".mp3", ".wav", ".ogg", ".m4a", ".aac")


@dataclass(frozen=True)
class ParseProblem:
    """One item left out of a result: which item, which field, and what was wrong with it."""

    item: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.item}: {self.field}: {self.message}"


@dataclass(frozen=True)
class AttemptData:
    test_attempt_id: str
    lookup_key: str | None
    candidate_name: str | None
    candidate_email: str | None
    started_at: datetime | None
    submitted_at: datetime | None
    trust_score: float | None
    evidence_status: str | None
    device: str | None
    raw: dict = field(default_factory=dict, repr=False, compare=False)
    # (field, name it came under) for each field read under another name than the contract's.
    aliases_used: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)
    # The mapped fields the object did not carry under any name (see wire.ATTEMPT_FIELDS).
    absent: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    # (field, form in words) for each value read in another form than the contract's, e.g.
    # ("trust_score", "percent (0..100): stored as a fraction").
    forms: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)

    @property
    def evidence_ready(self) -> bool:
        return self.evidence_status == EVIDENCE_PROCESSED


@dataclass(frozen=True)
class EvidenceRecordData:
    device: str  # "primary" or "aux"
    position: int  # index within its device's list
    label: str
    is_violation: bool
    occurred_at: datetime | None
    recorded_at: datetime | None
    s3_path: str | None
    data_type: str  # "image", "audio" or "none"
    misc: dict
    raw: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class EvidenceBundle:
    records: list[EvidenceRecordData]
    problems: list[ParseProblem]


@dataclass(frozen=True)
class ResultsPage:
    number: int
    attempts: list[AttemptData]
    problems: list[ParseProblem]
    total: int | None
    score_scale: str = FRACTION  # the scale this page's trust scores were read on


@dataclass(frozen=True)
class PresignedUrl:
    path: str
    url: str = field(repr=False)  # carries a storage signature: keep it out of reprs and logs
    expires_at: datetime


@dataclass(frozen=True)
class UsageData:
    credits_remaining: int | None
    credits_used: int | None
    period_start: date | None
    period_end: date | None
    usage_by_lookup_key: list[dict]
    raw: dict = field(default_factory=dict, repr=False, compare=False)


class Invalid(ValueError):
    """A field whose value cannot be represented faithfully."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


# --- field parsers ----------------------------------------------------------------------------


def parse_timestamp(value: Any, field_name: str) -> datetime | None:
    """ISO-8601 text (a trailing Z, or no zone, means UTC) or UNIX seconds/milliseconds."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, int | float):
            seconds = value / 1000 if abs(value) > 1e11 else value
            return datetime.fromtimestamp(seconds, UTC)
        if isinstance(value, str):
            text = value.strip()
            if text.replace(".", "", 1).isdigit():  # an epoch number sent as text
                return parse_timestamp(float(text), field_name)
            if text[-1:] in ("Z", "z"):
                text = text[:-1] + "+00:00"
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC)
        raise TypeError
    except (TypeError, ValueError, OverflowError, OSError):
        raise Invalid(field_name, f"{_show(value)} is not a timestamp") from None


def parse_date(value: Any, field_name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise Invalid(field_name, f"{_show(value)} is not a date") from None
    return parse_timestamp(value, field_name).date()


def parse_trust_score(value: Any, scale: str = FRACTION) -> float | None:
    """The score as a fraction 0..1, read on `scale` (scales.score_scale tells it)."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        score = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise Invalid("trust_score", f"{_show(value)} is not a number") from None
    top = 100.0 if scale == PERCENT else 1.0
    if not math.isfinite(score) or not 0.0 <= score <= top:
        raise Invalid(
            "trust_score",
            f"{_show(value)} fits no known scale (a fraction 0..1 or percent 0..100)",
        )
    return fraction_of(score, scale)


def parse_count(value: Any, field_name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value.strip()) if isinstance(value, str) else float(value)
        if not number.is_integer():
            raise ValueError
        return int(number)
    except (TypeError, ValueError, OverflowError):
        raise Invalid(field_name, f"{_show(value)} is not a whole number") from None


def parse_bool(value: Any, field_name: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1) and not isinstance(value, float):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise Invalid(field_name, f"{_show(value)} is not true or false")


def optional_text(value: Any) -> str | None:
    """A string field: None stays None, numbers become text, anything else is not usable."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- attempts ---------------------------------------------------------------------------------


def parse_attempt(
    obj: Any,
    *,
    fallback_id: str | None = None,
    beside: dict | None = None,
    scale: str | None = None,
) -> AttemptData:
    """One attempt object (see docs/autoproctor-api.md); raises Invalid when it cannot be kept.
    Every field is read under any of its accepted names (wire.names_for); `beside` is the
    answer around the object, where some servers put `evidence_status`. `scale` is the trust
    score's scale as its page tells it (scales.score_scale); None: as this score tells it."""
    if not isinstance(obj, dict):
        raise Invalid("(item)", f"expected an attempt object, got {type(obj).__name__}")
    used: list[tuple[str, str]] = []
    absent: set[str] = set()

    def read(name: str) -> Any:
        value, found = pick(obj, name)
        if found is None and beside:
            value, found = pick(beside, name)
        if found is None:
            absent.add(name)
        elif found != name:
            used.append((name, found))
        return value

    attempt_id = optional_text(read("test_attempt_id")) or fallback_id
    if not attempt_id:
        raise Invalid("test_attempt_id", "missing")
    user = read("user_details")
    user = user if isinstance(user, dict) else {}
    times = {name: read(name) for name in ("started_at", "submitted_at")}
    score = read("trust_score")
    scale = scale or score_scale([score])
    return AttemptData(
        test_attempt_id=attempt_id,
        lookup_key=optional_text(read("lookup_key")),
        candidate_name=optional_text(user.get("name")),
        candidate_email=optional_text(user.get("email")),
        started_at=parse_timestamp(times["started_at"], "started_at"),
        submitted_at=parse_timestamp(times["submitted_at"], "submitted_at"),
        trust_score=parse_trust_score(score, scale),
        evidence_status=optional_text(read("evidence_status")),
        device=optional_text(read("device")),
        raw=obj,
        aliases_used=tuple(used),
        absent=frozenset(absent),
        forms=forms_of(times, score, scale),
    )


def page_scale(items: list, remembered: str = FRACTION) -> str:
    """The trust scores' scale of one page of attempt objects (scales.score_scale)."""
    return score_scale(
        (pick(obj, "trust_score")[0] for obj in items if isinstance(obj, dict)), remembered
    )


def parse_attempt_list(
    items: list, *, where: str, scale: str | None = None
) -> tuple[list[AttemptData], list[ParseProblem]]:
    """The attempts of one page, every trust score read on `scale` (None: as the page tells,
    see page_scale)."""
    scale = scale or page_scale(items)
    attempts, problems = [], []
    for index, obj in enumerate(items):
        try:
            attempts.append(parse_attempt(obj, scale=scale))
        except Invalid as invalid:
            name = optional_text(pick(obj, "test_attempt_id")[0]) if isinstance(obj, dict) else None
            item = f"attempt {name!r}" if name else f"{where}, item {index + 1}"
            problems.append(ParseProblem(item, invalid.field, invalid.message))
    return attempts, problems


# --- evidence ---------------------------------------------------------------------------------

EVIDENCE_LISTS = (("primary", "primary_device_evidence"), ("aux", "aux_device_evidence"))


def evidence_data_type(s3_path: str | None, misc: dict) -> str:
    """'image' or 'audio' as misc_data says (else as the file name says); 'none' without a file."""
    declared = misc.get("data_type")
    if declared in ("image", "audio"):
        return declared
    if not s3_path:
        return "none"
    name = s3_path.lower().split("?")[0]
    if name.endswith(IMAGE_EXTENSIONS):
        return "image"
    if name.endswith(AUDIO_EXTENSIONS):
        return "audio"
    return "none"


def parse_evidence_record(obj: Any, *, device: str, position: int) -> EvidenceRecordData:
    if not isinstance(obj, dict):
        raise Invalid("(item)", f"expected an evidence record object, got {type(obj).__name__}")
    label = optional_text(obj.get("label"))
    if not label:
        raise Invalid("label", "missing")
    if "violation" not in obj:
        raise Invalid("violation", "missing")
    misc = obj.get("misc_data")
    misc = misc if isinstance(misc, dict) else {}
    s3_path = optional_text(obj.get("evidence_url")) or None
    return EvidenceRecordData(
        device=device,
        position=position,
        label=label,
        is_violation=parse_bool(obj.get("violation"), "violation"),
        occurred_at=parse_timestamp(
            obj.get("occurred_at_ISO", obj.get("occurred_at")), "occurred_at_ISO"
        ),
        recorded_at=parse_timestamp(
            obj.get("recorded_at_ISO", obj.get("recorded_at")), "recorded_at_ISO"
        ),
        s3_path=s3_path,
        data_type=evidence_data_type(s3_path, misc),
        misc=misc,
        raw=obj,
    )


def parse_evidence(document: dict) -> EvidenceBundle:
    """The evidence JSON's two lists; the caller has checked that `document` has the shape."""
    records, problems = [], []
    for device, key in EVIDENCE_LISTS:
        for position, obj in enumerate(document.get(key) or []):
            try:
                records.append(parse_evidence_record(obj, device=device, position=position))
            except Invalid as invalid:
                item = f"{device} device evidence, item {position + 1}"
                problems.append(ParseProblem(item, invalid.field, invalid.message))
    return EvidenceBundle(records=records, problems=problems)


# --- usage ------------------------------------------------------------------------------------


def parse_usage(obj: dict) -> UsageData:
    """The usage object; raises Invalid for a figure that is present but not a figure."""
    by_key = obj.get("usage_by_lookup_key")
    if by_key is not None and not isinstance(by_key, list):
        raise Invalid("usage_by_lookup_key", f"expected a list, got {type(by_key).__name__}")
    return UsageData(
        credits_remaining=parse_count(obj.get("credits_remaining"), "credits_remaining"),
        credits_used=parse_count(obj.get("credits_used"), "credits_used"),
        period_start=parse_date(obj.get("period_start"), "period_start"),
        period_end=parse_date(obj.get("period_end"), "period_end"),
        usage_by_lookup_key=[row for row in by_key or [] if isinstance(row, dict)],
        raw=obj,
    )


# --- presigned URLs ---------------------------------------------------------------------------


def presigned_url_expiry(url: str, now: datetime) -> datetime:
    """When a presigned URL stops working: X-Amz-Date + X-Amz-Expires (S3 signature v4), or
    Expires (v2, UNIX seconds), or PRESIGNED_URL_LIFETIME from `now` when it does not say."""
    query = {key.lower(): value for key, value in parse_qsl(urlsplit(url).query)}
    try:
        if "x-amz-date" in query and "x-amz-expires" in query:
            signed_at = datetime.strptime(query["x-amz-date"], "%Y%m%dT%H%M%SZ")
            return signed_at.replace(tzinfo=UTC) + timedelta(seconds=int(query["x-amz-expires"]))
        if query.get("expires", "").isdigit():
            return datetime.fromtimestamp(int(query["expires"]), UTC)
    except (ValueError, OverflowError, OSError):
        pass
    return now + PRESIGNED_URL_LIFETIME
