"""AutoProctor's JSON is made storable where it is decoded (autoproctor/storable.py):
each NUL and lone surrogate, written as a JSON escape in keys or values, becomes U+FFFD, whether
the answer is read whole or streamed in pieces."""

from __future__ import annotations

import io

import pytest

from autoproctor.storable import EscapeWatch, loads, storable_text


@pytest.mark.parametrize(
    "content",
    ['{"na\\u0000me": ["a\\u0000b", "c\\ud800"]}', b'{"na\\u0000me": ["a\\u0000b", "c\\ud800"]}'],
)
def test_escaped_nul_and_lone_surrogates_become_replacement_characters(content):
    assert loads(content) == {"na\ufffdme": ["a\ufffdb", "c\ufffd"]}


def test_a_text_answer_holding_a_raw_lone_surrogate_is_read_not_refused():
    assert loads('{"name": "Ann", "id": 3}') == {"name": "Ann", "id": 3}
    assert loads('"\ud800"') in ("\ud800", "\ufffd")


def test_storable_text_replaces_every_unstorable_character():
    assert storable_text("a\x00b\udc00c") == "a\ufffdb\ufffdc"
    assert storable_text("Ann") == "Ann"


def read_in(chunks: list[bytes]) -> EscapeWatch:
    watch = EscapeWatch(io.BytesIO(b"".join(chunks)))
    for chunk in chunks:
        assert watch.read(len(chunk)) == chunk
    assert watch.read(10) == b""
    return watch


def test_a_stream_without_an_escape_is_not_marked():
    assert EscapeWatch(io.BytesIO(b"")).seen is False
    assert read_in([b'{"name": ', b'"Ann"}']).seen is False


@pytest.mark.parametrize("cut", range(1, 7))
def test_an_escape_cut_between_two_reads_is_seen(cut):
    text = b'{"name": "a\\u0000"}'
    at = text.index(b"\\u") + cut
    assert read_in([text[:at], text[at:]]).seen is True


def test_an_escape_once_seen_stays_seen():
    assert read_in([b'"\\ud800"', b'{"name": "Ann"}' * 3]).seen is True


@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_an_escape_read_a_few_bytes_at_a_time_is_seen(size):
    # A stream may hand over fewer bytes than an escape is long: it spans several reads.
    for start in range(size):
        text = b" " * start + b'{"name": "a\\u0000"}'
        watch = EscapeWatch(io.BytesIO(text))
        while watch.read(size):
            pass
        assert watch.seen is True, (size, start)
