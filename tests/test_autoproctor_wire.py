"""autoproctor/wire.py: the names each mapped field is accepted under, and the
AUTOPROCTOR_FIELD_ALIASES setting that adds more without a code change."""

import pytest

from autoproctor.values import parse_attempt
from autoproctor.wire import names_for, parse_field_aliases


def test_every_field_is_accepted_in_camel_case_and_submitted_at_as_finished_at():
    assert names_for("trust_score") == ("trust_score", "trustScore")
    assert names_for("submitted_at") == ("submitted_at", "submittedAt", "finished_at", "finishedAt")


def test_an_alias_from_the_setting_is_read_and_reported(settings):
    settings.AUTOPROCTOR_FIELD_ALIASES = {"submitted_at": ["completed_at"]}

    data = parse_attempt({"testAttemptId": "a", "completedAt": "2026-11-01T10:00:00Z"})

    assert data.submitted_at.isoformat() == "2026-11-01T10:00:00+00:00"
    assert ("submitted_at", "completedAt") in data.aliases_used
    assert "trust_score" in data.absent and "submitted_at" not in data.absent


def test_the_setting_is_parsed_from_field_equals_aliases():
    assert parse_field_aliases("submitted_at=completed_at, ended_at; trust_score=score") == {
        "submitted_at": ["completed_at", "ended_at"],
        "trust_score": ["score"],
    }
    assert parse_field_aliases("") == {}


@pytest.mark.parametrize("text", ["completed_at", "no_such_field=x", "submitted_at="])
def test_a_malformed_setting_names_the_mistake_and_the_known_fields(text):
    with pytest.raises(ValueError, match="field=alias.*submitted_at=completed_at"):
        parse_field_aliases(text)
