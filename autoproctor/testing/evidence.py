"""One attempt's evidence JSON, made on demand from the attempt's own random stream.

What a proctored attempt typically records: a photo of the candidate at the start, random photos
every few minutes (informational, `violation: false`), and its violations — mostly a face
missing or a tab switch, sometimes noise, a second face, a second monitor. Attempts with an
auxiliary device also have photos and some violations on the aux list. Only the first
`MAX_FILES` items (in time order) keep a file; later ones keep their record with
`evidence_url: null`, as AutoProctor's do.
"""

from __future__ import annotations

import random

from autoproctor.testing import media
from autoproctor.testing.clock import iso_utc

MAX_FILES = 30
RANDOM_PHOTO_EVERY = 8 * 60.0
AUX_PHOTO_EVERY = 15 * 60.0

# label -> (relative frequency, kind of file: "image", "audio" or None for no file)
VIOLATIONS = {
    "no-face-looking-at-camera": (30, "image"),
    "tab-switch": (25, "image"),
    "noise-detected": (18, "audio"),
    "multiple-faces-detected": (10, "image"),
    "exited-full-screen": (7, "image"),
    "multiple-monitors-detected": (4, "image"),
    "went-offline": (4, None),
}
# Labels the documentation does not list: clients must store and show them, not drop them.
UNKNOWN_VIOLATIONS = {"virtual-camera-detected": "image", "copy-paste-detected": None}
AUX_VIOLATIONS = ["no-face-looking-at-camera", "multiple-faces-detected"]

_LABELS = list(VIOLATIONS)
_WEIGHTS = [weight for weight, _ in VIOLATIONS.values()]


def build(
    rng: random.Random,
    *,
    index: int,
    client_id: str,
    started: float,
    ended: float,
    violations: int,
    aux: bool,
    unknown_label: bool,
) -> dict:
    # (occurred, device, label, is violation, kind of file)
    items = [(started + rng.uniform(2, 12), "primary", "test-taker-photo", False, "image")]
    duration = ended - started
    for _ in range(int(duration // RANDOM_PHOTO_EVERY)):
        items.append((rng.uniform(started, ended), "primary", "random-photo-taken", False, "image"))
    if aux:
        items.append((started + rng.uniform(20, 60), "aux", "photo-taken", False, "image"))
        for _ in range(int(duration // AUX_PHOTO_EVERY)):
            items.append((rng.uniform(started, ended), "aux", "photo-taken", False, "image"))
    for number in range(violations):
        occurred = rng.uniform(started + 15, ended)
        if unknown_label and number == 0:
            label = rng.choice(list(UNKNOWN_VIOLATIONS))
            items.append((occurred, "primary", label, True, UNKNOWN_VIOLATIONS[label]))
        elif aux and rng.random() < 0.3:
            items.append((occurred, "aux", rng.choice(AUX_VIOLATIONS), True, "image"))
        else:
            label = rng.choices(_LABELS, weights=_WEIGHTS)[0]
            items.append((occurred, "primary", label, True, VIOLATIONS[label][1]))
    items.sort()

    lists: dict[str, list] = {"primary": [], "aux": []}
    files = 0
    for occurred, device, label, is_violation, kind in items:
        position = len(lists[device])
        path, misc = None, {}
        if kind == "audio":
            extension = "wav"
            misc["data_type"] = "audio"
        elif kind == "image":
            extension = "png"
            misc["data_type"] = "image"
        if kind and files < MAX_FILES:
            files += 1
            path = f"evidence/{client_id}/{index}/{device}/{position:03d}-{label}.{extension}"
        recorded = occurred + rng.uniform(0.3, 2.5)
        if kind == "audio":
            seconds = media.audio_seconds(path) if path else rng.randint(1, 4)
            misc["duration_s"] = seconds
            recorded += seconds
        elif label == "went-offline":
            misc["duration_s"] = rng.randint(5, 90)
        lists[device].append(
            {
                "label": label,
                "violation": is_violation,
                "occurred_at_ISO": iso_utc(occurred, millis=True),
                "recorded_at_ISO": iso_utc(recorded, millis=True),
                "evidence_url": path,
                "misc_data": misc,
            }
        )
    return {"primary_device_evidence": lists["primary"], "aux_device_evidence": lists["aux"]}


def file_paths(evidence_json: dict) -> set[str]:
    """Every S3 path an evidence JSON refers to."""
    return {
        record["evidence_url"]
        for records in evidence_json.values()
        for record in records
        if record["evidence_url"]
    }
