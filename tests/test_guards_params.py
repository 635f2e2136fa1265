"""Request parameters that become database values are read strictly (access/params.py): a value
the databases cannot hold or compare is treated as absent, never sent to them (each was a 500)."""

from __future__ import annotations

import math

import pytest

from access.params import (
    MAX_INTEGER,
    is_storable_float,
    is_storable_integer,
    is_storable_text,
    row_id,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("42", 42),
        (str(MAX_INTEGER), MAX_INTEGER),
        (str(MAX_INTEGER + 1), None),
        ("1" * 20, None),
        ("0", None),
        ("-1", None),
        ("", None),
        ("²", None),
        ("٣", None),
        (" 1", None),
        (1, None),
        (None, None),
    ],
)
def test_a_row_id_is_ascii_digits_that_fit_a_64_bit_column(value, expected):
    assert row_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, True),
        (MAX_INTEGER, True),
        (-MAX_INTEGER, True),
        (MAX_INTEGER + 1, False),
        (-MAX_INTEGER - 1, False),
        (True, False),
        (1.0, False),
        ("1", False),
    ],
)
def test_only_integers_a_64_bit_column_holds_are_storable(value, expected):
    assert is_storable_integer(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.5, True),
        (0.0, True),
        (math.inf, False),
        (-math.inf, False),
        (math.nan, False),
        (1, False),
    ],
)
def test_only_finite_floats_are_storable(value, expected):
    assert is_storable_float(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Ann", True), ("", True), ("a\x00b", False), ("a\ud800b", False), (5, False), (None, False)],
)
def test_text_with_a_nul_or_a_lone_surrogate_is_not_storable(value, expected):
    assert is_storable_text(value) is expected
