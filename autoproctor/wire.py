"""What we assume about AutoProctor's wire, in one place: field names and their aliases, the
values we compare with, and the call forms where the contract is open.

docs/autoproctor-api.md grades each as known, seen or assumed. When a real account differs,
this module (and the AUTOPROCTOR_* settings) is what changes: the sync, the pages and the
re-parse all read names through it. `set_field_aliases` adds names for a field, e.g.
`{"submitted_at": ["completed_at"]}`, without a code change (the dashboard's
`AUTOPROCTOR_FIELD_ALIASES` setting).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# evidence_status values: "processed" is known; "processing" is seen in examples.
EVIDENCE_PROCESSED = "processed"
EVIDENCE_PROCESSING = "processing"

# The attempt fields we map, each with the names accepted for it (the contract's name first).
# The camelCase of every name is accepted too.
ATTEMPT_FIELDS: dict[str, tuple[str, ...]] = {
    "test_attempt_id": ("test_attempt_id",),
    "lookup_key": ("lookup_key",),
    "user_details": ("user_details",),
    "started_at": ("started_at",),
    "submitted_at": ("submitted_at", "finished_at"),
    "trust_score": ("trust_score",),
    "evidence_status": ("evidence_status",),
    "device": ("device",),
}
# Which of our attempt columns each mapped field fills (a field not sent keeps its columns).
FIELD_COLUMNS = {
    "lookup_key": ("lookup_key",),
    "user_details": ("candidate_name", "candidate_email"),
    "started_at": ("started_at",),
    "submitted_at": ("submitted_at",),
    "trust_score": ("trust_score",),
    "evidence_status": ("evidence_status",),
    "device": ("device",),
}
# Fields an attempt may well lack or leave null without anything being wrong.
OPTIONAL_FIELDS = ("lookup_key", "user_details", "device")
# Fields null until the attempt is submitted: null on a whole page is only suspicious when
# stored attempts had them filled.
NULL_UNTIL_SUBMITTED = ("submitted_at", "trust_score")

# Labels of evidence records seen in AutoProctor's examples or assumed for documented detections.
KNOWN_LABELS = frozenset(
    {
        "tab-switch",
        "no-face-looking-at-camera",
        "multiple-faces-detected",
        "noise-detected",
        "random-photo-taken",
        "test-taker-photo",
        "photo-taken",
        "multiple-monitors-detected",
        "exited-full-screen",
        "went-offline",
    }
)

# The two forms of the one-attempt call (docs/autoproctor-api.md, endpoint 2).
HASHED_PATH = "hashed-path"  # /test-attempts/{hashed id}/?clientId=...
ID_QUERY = "id-query"  # /test-attempts/{id}/?client_id=...&hashed_test_attempt_id=...
ATTEMPT_FORMS = (HASHED_PATH, ID_QUERY)
ATTEMPT_FORM_WORDS = {
    HASHED_PATH: "the hashed id in the path",
    ID_QUERY: "the plain id in the path with hashed_test_attempt_id in the query",
}
# Query parameters that carry a signature (the API console tags them as such).
SIGNATURE_PARAMS = frozenset({"hashedUnixTimestamp", "hashed_test_attempt_id"})
# Spellings of the client id in the query of the per-attempt calls (both seen).
CLIENT_ID_PARAMS = ("clientId", "client_id")
# Response headers that say something about rate limits.
RATE_LIMIT_HEADER_PREFIXES = ("x-ratelimit", "ratelimit", "retry-after", "x-rate-limit")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# More names for mapped fields, beyond those above: a deployment's configuration, set with
# set_field_aliases (the dashboard sets it from its AUTOPROCTOR_FIELD_ALIASES setting).
_extra_aliases: dict[str, tuple[str, ...]] = {}


def set_field_aliases(aliases: Mapping[str, Iterable[str]]) -> None:
    """Accept more names for mapped attempt fields, e.g. `{"submitted_at": ["completed_at"]}`
    (parse_field_aliases reads that from text); replaces the aliases set before."""
    unknown = sorted(set(aliases) - set(ATTEMPT_FIELDS))
    if unknown:
        raise ValueError(
            f"No mapped attempt field is called {', '.join(unknown)}; the fields are "
            f"{', '.join(ATTEMPT_FIELDS)}."
        )
    global _extra_aliases
    _extra_aliases = {field: tuple(names) for field, names in aliases.items()}


def parse_field_aliases(text: str) -> dict[str, list[str]]:
    """The AUTOPROCTOR_FIELD_ALIASES environment variable: `field=alias,alias;field=alias`,
    e.g. `submitted_at=completed_at`. ValueError naming the mistake and the known fields."""
    aliases: dict[str, list[str]] = {}
    for part in filter(None, (piece.strip() for piece in text.split(";"))):
        field, equals, names = part.partition("=")
        field = field.strip()
        names_list = [name.strip() for name in names.split(",") if name.strip()]
        if not equals or field not in ATTEMPT_FIELDS or not names_list:
            raise ValueError(
                f"AUTOPROCTOR_FIELD_ALIASES: {part!r} is not `field=alias[,alias]` with a field "
                f"among {', '.join(ATTEMPT_FIELDS)} (e.g. submitted_at=completed_at)."
            )
        aliases.setdefault(field, []).extend(names_list)
    return aliases


def names_for(field: str) -> tuple[str, ...]:
    """Every name accepted for `field`, in order of preference."""
    names = [*ATTEMPT_FIELDS.get(field, (field,)), *_extra_aliases.get(field, ())]
    accepted: list[str] = []
    for name in names:
        for spelling in (name, camel(name)):
            if spelling not in accepted:
                accepted.append(spelling)
    return tuple(accepted)


def all_attempt_names() -> frozenset[str]:
    return frozenset(name for field in ATTEMPT_FIELDS for name in names_for(field))


def pick(obj: dict, field: str) -> tuple[Any, str | None]:
    """(value, the name it was found under) for `field`; (None, None) when absent."""
    for name in names_for(field):
        if name in obj:
            return obj[name], name
    return None, None


def is_rate_limit_header(name: str) -> bool:
    return name.lower().startswith(RATE_LIMIT_HEADER_PREFIXES)
