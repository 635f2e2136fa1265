"""AutoProctor's kebab-case evidence labels, in words people read.

Labels not listed here are shown as they came: AutoProctor may add new kinds of detection, and
an unknown label is still evidence worth seeing.
"""

from __future__ import annotations

LABEL_WORDS = {
    "tab-switch": "Tab switch",
    "no-face-looking-at-camera": "No face at camera",
    "multiple-faces-detected": "Multiple faces",
    "noise-detected": "Noise detected",
    "random-photo-taken": "Random photo",
    "test-taker-photo": "Test-taker photo",
    "photo-taken": "Photo taken",
    "multiple-monitors-detected": "Multiple monitors",
    "exited-full-screen": "Exited full screen",
    "went-offline": "Went offline",
}


def label_words(label: str) -> str:
    """The words for `label`, or the raw label when it is not one we know."""
    return LABEL_WORDS.get(label, label)


# One colour per label, shared by the overview's "violations by kind" chart and the report's
# attempt strip, so a colour means the same kind everywhere. Each is dark enough for 3:1
# contrast on white; the label's words always go with it (colour is never the only signal).
LABEL_COLOURS = {
    "tab-switch": "#2563eb",
    "no-face-looking-at-camera": "#dc2626",
    "multiple-faces-detected": "#9333ea",
    "noise-detected": "#b45309",
    "random-photo-taken": "#4b5563",
    "test-taker-photo": "#6b7280",
    "photo-taken": "#6b7280",
    "multiple-monitors-detected": "#0f766e",
    "exited-full-screen": "#c026d3",
    "went-offline": "#1f2937",
}
OTHER_LABEL_COLOUR = "#64748b"


def label_colour(label: str) -> str:
    """The colour of `label` on charts and strips; one shared grey for labels we do not know."""
    return LABEL_COLOURS.get(label, OTHER_LABEL_COLOUR)
