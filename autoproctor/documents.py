"""Reading the JSON documents of the one-attempt calls (attempt, evidence file URL, evidence,
presign, usage): the shape each must have, and the typed value made of it. A document of the
wrong shape raises MalformedResponse through the AnswerReader, as the client always has."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from .answers import ATTEMPT, EVIDENCE, EVIDENCE_FILE_URL, PRESIGN, USAGE, AnswerReader
from .errors import MalformedResponse
from .scales import FRACTION, score_scale
from .values import (
    EVIDENCE_LISTS,
    AttemptData,
    EvidenceBundle,
    Invalid,
    PresignedUrl,
    UsageData,
    parse_attempt,
    parse_evidence,
    parse_usage,
    presigned_url_expiry,
)
from .wire import pick

USAGE_FIELDS = {"credits_remaining", "credits_used", "period_start", "period_end"}


def is_web_url(value: Any) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https")


def read_attempt(
    answers: AnswerReader, document: Any, test_attempt_id: str, scale: str = FRACTION
) -> AttemptData:
    """The attempt in a one-attempt answer: under "test_attempt", or the bare attempt object.
    Its trust score is read on the scale it shows, or, when it cannot tell, on `scale`."""
    attempt = document.get("test_attempt") if isinstance(document, dict) else None
    if attempt is None and isinstance(document, dict) and pick(document, "test_attempt_id")[1]:
        attempt = document  # the bare attempt object
    if not isinstance(attempt, dict):
        raise answers.wrong_shape(ATTEMPT, document, 'an object with "test_attempt"')
    beside = {k: v for k, v in document.items() if k not in ("status", "test_attempt")}
    try:
        score = pick(attempt, "trust_score")[0]
        return parse_attempt(
            attempt,
            fallback_id=test_attempt_id,
            beside=beside,
            scale=score_scale([score], scale),
        )
    except Invalid as invalid:
        raise MalformedResponse(
            f"AutoProctor's attempt {test_attempt_id!r} cannot be stored as sent: "
            f"{invalid.field}: {invalid.message}.",
            endpoint=ATTEMPT,
        ) from None


def read_evidence_file_url(answers: AnswerReader, document: Any) -> str:
    """The URL of the attempt's evidence JSON."""
    file_url = document.get("all_evidence_records_file_url") if isinstance(document, dict) else None
    if not is_web_url(file_url):
        raise answers.wrong_shape(
            EVIDENCE_FILE_URL, document, 'an object with an "all_evidence_records_file_url" URL'
        )
    return file_url


def read_evidence(answers: AnswerReader, document: Any) -> EvidenceBundle:
    """The evidence JSON: an object with at least one of the evidence lists."""
    keys = [key for _, key in EVIDENCE_LISTS]
    if (
        not isinstance(document, dict)
        or not any(key in document for key in keys)
        or any(not isinstance(document.get(key) or [], list) for key in keys)
    ):
        raise answers.wrong_shape(EVIDENCE, document, f"an object with lists {' and '.join(keys)}")
    return parse_evidence(document)


def read_presigned(
    answers: AnswerReader, document: Any, paths: list[str], now: datetime
) -> dict[str, PresignedUrl]:
    """The signed URL of each of `paths`; a path AutoProctor did not sign is left out."""
    urls = document.get("urls") if isinstance(document, dict) else None
    if not isinstance(urls, dict):
        raise answers.wrong_shape(PRESIGN, document, 'an object with "urls"')
    return {
        path: PresignedUrl(
            path=path, url=urls[path], expires_at=presigned_url_expiry(urls[path], now)
        )
        for path in paths
        if is_web_url(urls.get(path))
    }


def read_usage(answers: AnswerReader, document: Any) -> UsageData:
    """The account's usage figures: an object with at least one of USAGE_FIELDS."""
    if not isinstance(document, dict) or not USAGE_FIELDS & document.keys():
        raise answers.wrong_shape(
            USAGE, document, f"an object with any of {', '.join(sorted(USAGE_FIELDS))}"
        )
    try:
        return parse_usage(document)
    except Invalid as invalid:
        raise MalformedResponse(
            f"AutoProctor's usage figures cannot be read: {invalid.field}: {invalid.message}.",
            endpoint=USAGE,
        ) from None
