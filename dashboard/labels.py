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
