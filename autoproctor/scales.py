"""The scales and forms a value may arrive in, told from the values themselves.

The contract assumes a trust score is a fraction 0..1 and a time an ISO 8601 string with a zone.
AutoProctor's own dashboard shows scores in percent, and JavaScript servers send epoch numbers,
so both are read in every plausible form, and the form each value came in is reported (the
sync's drift notes, the doctor's "learned" lines), never silently assumed:

- trust score: a page (or answer) whose scores lie mostly in (1, 100] is in percent (a real
  percent score of 1 or less is a trust of 1 % or less, and a fraction is never above 1); each
  score is stored as the fraction it means, so REVIEW_THRESHOLD keeps its meaning. Mostly in
  (0, 1): a fraction, and a score above 1 on it fits no scale. A page whose scores are all 0 or 1
  (or as many above 1 as below) cannot tell: the scale learned before (the API profile) decides.
  A score that fits no scale is reported with its attempt, never stored as a wrong score.
- times: an ISO string with a zone (the contract), one without (read as UTC), epoch seconds, or
  epoch milliseconds (a number above 1e11 — in seconds that would be the year 5138).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

FRACTION, PERCENT = "fraction", "percent"
SCORE_SCALES = (FRACTION, PERCENT)
SCALE_WORDS = {FRACTION: "a fraction 0..1", PERCENT: "percent (0..100): stored as a fraction"}

ISO_WITH_ZONE = "ISO 8601 with a zone"
ISO_WITHOUT_ZONE = "ISO 8601 without a zone"
EPOCH_SECONDS = "epoch seconds"
EPOCH_MILLISECONDS = "epoch milliseconds"
TIME_FORM_WORDS = {
    ISO_WITHOUT_ZONE: "ISO 8601 without a zone: read as UTC",
    EPOCH_SECONDS: "epoch seconds: read as UTC",
    EPOCH_MILLISECONDS: "epoch milliseconds: read as UTC",
}
# Above this an epoch number is milliseconds (as seconds it would be after the year 5000).
MILLISECONDS_ABOVE = 1e11


def as_number(value: Any) -> float | None:
    """A finite number sent as a number or numeric text; None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, AttributeError):
        return None
    return number if math.isfinite(number) else None


def score_scale(values: Iterable[Any], remembered: str = FRACTION) -> str:
    """The scale of the trust scores of one page or answer: PERCENT when more of them lie in
    (1, 100] than in (0, 1), FRACTION when fewer; otherwise (every score 0 or 1, none, or a
    tie) the scale learned before."""
    numbers = [number for number in map(as_number, values) if number is not None]
    above_one = sum(1.0 < number <= 100.0 for number in numbers)
    between = sum(0.0 < number < 1.0 for number in numbers)
    if above_one != between:
        return PERCENT if above_one > between else FRACTION
    return remembered


def fraction_of(score: float, scale: str) -> float:
    """The fraction a score on `scale` means, without float noise (87.5 % -> 0.875)."""
    return round(score / 100.0, 12) if scale == PERCENT else score


def time_form(value: Any) -> str:
    """Which form a time value came in (ISO_WITH_ZONE for anything the contract's)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return EPOCH_MILLISECONDS if abs(value) > MILLISECONDS_ABOVE else EPOCH_SECONDS
    if isinstance(value, str):
        text = value.strip()
        if text.replace(".", "", 1).isdigit():
            return EPOCH_MILLISECONDS if float(text) > MILLISECONDS_ABOVE else EPOCH_SECONDS
        time_part = text.partition("T")[2] or text.partition(" ")[2]
        has_zone = time_part[-1:] in ("Z", "z") or "+" in time_part or "-" in time_part
        return ISO_WITH_ZONE if has_zone else ISO_WITHOUT_ZONE
    return ISO_WITH_ZONE


def forms_of(times: dict[str, Any], score: Any, scale: str) -> tuple[tuple[str, str], ...]:
    """(field, form in words) for each of an attempt's values in another form than the
    contract's: its times (`times`: field -> value as sent) and its trust score on `scale`."""
    forms = [
        (name, TIME_FORM_WORDS[form])
        for name, value in times.items()
        if value not in (None, "") and (form := time_form(value)) != ISO_WITH_ZONE
    ]
    if scale == PERCENT and score not in (None, ""):
        forms.append(("trust_score", SCALE_WORDS[PERCENT]))
    return tuple(forms)
