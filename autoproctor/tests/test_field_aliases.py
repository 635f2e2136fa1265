"""wire.set_field_aliases: a deployment's own names for mapped attempt fields, set by the code
that configures the client (the dashboard sets them from AUTOPROCTOR_FIELD_ALIASES)."""

import pytest

from autoproctor.values import parse_attempt
from autoproctor.wire import names_for, set_field_aliases


@pytest.fixture
def aliases():
    yield set_field_aliases
    set_field_aliases({})


def test_an_alias_that_is_set_is_read_and_reported(aliases):
    attempt = {"testAttemptId": "a", "completedAt": "2026-11-01T10:00:00Z"}
    assert parse_attempt(attempt).submitted_at is None

    aliases({"submitted_at": ["completed_at"]})

    data = parse_attempt(attempt)
    assert data.submitted_at.isoformat() == "2026-11-01T10:00:00+00:00"
    assert ("submitted_at", "completedAt") in data.aliases_used
    assert names_for("submitted_at")[-2:] == ("completed_at", "completedAt")


def test_setting_them_again_replaces_the_earlier_ones(aliases):
    aliases({"submitted_at": ["completed_at"]})
    aliases({"trust_score": ["score"]})

    assert "completed_at" not in names_for("submitted_at")
    assert "score" in names_for("trust_score")


def test_an_unknown_field_is_refused_naming_the_known_ones(aliases):
    with pytest.raises(ValueError, match="No mapped attempt field is called sumbitted_at.*trust"):
        aliases({"sumbitted_at": ["completed_at"]})
