"""Small but real evidence files: PNG images and WAV clips, made with the standard library.

Each label gets its own look (a tinted "photo" with a face drawn per label, or a "screenshot"
with window bars), so a page of evidence in the dashboard shows what kind of item it is. Files
are a few hundred bytes to a few kilobytes and cached, so serving them costs nothing.
"""

from __future__ import annotations

import functools
import io
import math
import random
import struct
import wave
import zlib

WIDTH, HEIGHT = 160, 120
SAMPLE_RATE = 8000

SCREENSHOT_LABELS = {"tab-switch", "exited-full-screen", "multiple-monitors-detected"}
FACES_BY_LABEL = {"no-face-looking-at-camera": 0, "multiple-faces-detected": 2}

CONTENT_TYPES = {"png": "image/png", "wav": "audio/wav"}


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def encode_png(rows: list[bytes], width: int, height: int) -> bytes:
    """PNG of 8-bit RGB rows (each `width * 3` bytes)."""
    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def _tint(label: str) -> tuple[int, int, int]:
    hue = zlib.crc32(label.encode()) % 360
    red = int(127 + 100 * math.cos(math.radians(hue)))
    green = int(127 + 100 * math.cos(math.radians(hue - 120)))
    blue = int(127 + 100 * math.cos(math.radians(hue + 120)))
    return red, green, blue


def _photo_rows(label: str) -> list[bytes]:
    background = bytes(_tint(label))
    skin = bytes((224, 186, 150))
    faces = FACES_BY_LABEL.get(label, 1)
    centres = [(WIDTH // 2, HEIGHT // 2)] if faces == 1 else [(52, 58), (110, 62)][:faces]
    radius = 28 if faces == 1 else 22
    rows = []
    for y in range(HEIGHT):
        row = bytearray(background * WIDTH)
        for cx, cy in centres:
            dy = y - cy
            if abs(dy) <= radius:
                half = int(math.sqrt(radius * radius - dy * dy))
                start, end = max(cx - half, 0), min(cx + half, WIDTH - 1)
                row[start * 3 : (end + 1) * 3] = skin * (end - start + 1)
        rows.append(bytes(row))
    return rows


def _screenshot_rows(label: str) -> list[bytes]:
    accent = bytes(_tint(label))
    page, text = bytes((245, 245, 245)), bytes((170, 170, 170))
    rows = []
    for y in range(HEIGHT):
        if y < 14:
            rows.append(accent * WIDTH)
        elif y % 10 in (4, 5) and y < HEIGHT - 10:
            width = 30 + (y * 37) % 100
            rows.append(page * 8 + text * width + page * (WIDTH - 8 - width))
        else:
            rows.append(page * WIDTH)
    return rows


@functools.lru_cache(maxsize=64)
def image_for(label: str) -> bytes:
    rows = _screenshot_rows(label) if label in SCREENSHOT_LABELS else _photo_rows(label)
    return encode_png(rows, WIDTH, HEIGHT)


def audio_seconds(s3_path: str) -> int:
    """The length of the clip stored at `s3_path` (1-4 s), the same wherever it is asked."""
    return 1 + zlib.crc32(s3_path.encode()) % 4


@functools.lru_cache(maxsize=8)
def audio_clip(seconds: int) -> bytes:
    """A mono 16-bit WAV: a murmur with a louder burst in the middle, like a voice nearby."""
    noise = random.Random(seconds)
    frames = bytearray()
    total = SAMPLE_RATE * seconds
    for n in range(total):
        loud = 0.4 < n / total < 0.7
        amplitude = 9000 if loud else 800
        tone = math.sin(2 * math.pi * 220 * n / SAMPLE_RATE) if loud else 0.0
        sample = int(amplitude * (0.6 * tone + 0.4 * (noise.random() * 2 - 1)))
        frames += struct.pack("<h", sample)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(SAMPLE_RATE)
        clip.writeframes(bytes(frames))
    return buffer.getvalue()


def file_for(s3_path: str) -> tuple[str, bytes] | None:
    """(content type, bytes) of the evidence file stored at `s3_path`, None if not a file we make.

    Paths end in `<position>-<label>.png` or `.wav` (see evidence.py).
    """
    name = s3_path.rsplit("/", 1)[-1]
    stem, _, extension = name.rpartition(".")
    label = stem.partition("-")[2]
    if not label or extension not in CONTENT_TYPES:
        return None
    if extension == "wav":
        return CONTENT_TYPES["wav"], audio_clip(audio_seconds(s3_path))
    return CONTENT_TYPES["png"], image_for(label)
