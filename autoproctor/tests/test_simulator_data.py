"""The simulator's synthetic data: the same for the same seed, believable in shape, and
consistent between the attempts, their evidence and the usage figures."""

import statistics

import pytest

from autoproctor.testing import Simulator
from autoproctor.testing.dataset import CREDITS_PER_ATTEMPT, CREDITS_PER_FEATURE

START = 1_790_000_000.0  # a fixed clock start, so timestamps are comparable across runs


def make_data(seed, attempts=60):
    simulator = Simulator(attempts=attempts, seed=seed, start_time=START)
    evidence = {i: simulator.dataset.evidence_json(i) for i in simulator.dataset.attempts}
    return simulator.dataset.attempts, evidence, (simulator.client_id, simulator.client_secret)


def test_the_same_seed_and_start_give_the_same_data_and_credentials():
    assert make_data(seed=3) == make_data(seed=3)


def test_another_seed_gives_other_data():
    first, second = make_data(seed=3), make_data(seed=4)

    assert first[0] != second[0]
    assert first[2] != second[2]


def test_evidence_does_not_depend_on_the_order_it_is_asked_for():
    simulator = Simulator(attempts=40, seed=5, start_time=START)
    ids = list(simulator.dataset.attempts)
    forwards = {i: simulator.dataset.evidence_json(i) for i in ids}

    again = Simulator(attempts=40, seed=5, start_time=START)
    backwards = {i: again.dataset.evidence_json(i) for i in reversed(ids)}

    assert forwards == backwards


def test_trust_scores_are_mostly_high_with_a_low_tail_that_has_more_violations():
    simulator = Simulator(attempts=500, seed=1, start_time=START)
    scored = []
    for test_attempt_id, attempt in simulator.dataset.attempts.items():
        if attempt["trust_score"] is None:
            continue
        evidence = simulator.dataset.evidence_json(test_attempt_id)
        violations = sum(record["violation"] for device in evidence.values() for record in device)
        scored.append((attempt["trust_score"], violations))
    scores = [score for score, _ in scored]

    assert statistics.median(scores) > 0.85
    assert 0.02 < sum(score < 0.5 for score in scores) / len(scores) < 0.2
    low = [violations for score, violations in scored if score < 0.85]
    high = [violations for score, violations in scored if score >= 0.95]
    assert statistics.mean(low) > 3 * statistics.mean(high)


def test_candidates_include_names_written_in_other_alphabets(simulator):
    names = {
        attempt["user_details"]["name"]
        for attempt in simulator.dataset.attempts.values()
        if attempt["user_details"]
    }

    assert {"Zoë Müller", "李雷", "Łukasz Nowak"} <= names
    assert all(
        attempt["user_details"]["email"].isascii()
        for attempt in simulator.dataset.attempts.values()
        if attempt["user_details"]
    )


def test_usage_figures_match_the_attempts(simulator, signed):
    attempts = simulator.dataset.attempts.values()
    expected_by_key = {}
    for attempt in attempts:
        credits = CREDITS_PER_ATTEMPT + CREDITS_PER_FEATURE * len(attempt.get("features", []))
        entry = expected_by_key.setdefault(attempt["lookup_key"], {"attempts": 0, "credits": 0})
        entry["attempts"] += 1
        entry["credits"] += credits

    usage = signed.usage().json()

    assert usage["status"] == "success"
    assert usage["credits_used"] == sum(e["credits"] for e in expected_by_key.values())
    assert usage["credits_used"] > len(attempts)  # some attempts used enhanced features
    assert {
        row["lookup_key"]: {"attempts": row["attempts"], "credits": row["credits"]}
        for row in usage["usage_by_lookup_key"]
    } == expected_by_key
    assert usage["credits_remaining"] > 0
    assert usage["period_start"] < usage["period_end"]


def test_new_attempts_use_credits(simulator, signed):
    before = signed.usage().json()

    simulator.dataset.add_attempts(3, features=["id-card-check"])

    after = signed.usage().json()
    assert after["credits_used"] == before["credits_used"] + 3 * 5
    assert after["credits_remaining"] == before["credits_remaining"] - 3 * 5


def test_added_attempts_are_listed_first_and_processed(simulator, signed):
    added = simulator.dataset.add_attempts(2)

    page = signed.results().json()

    assert [a["test_attempt_id"] for a in page["results"][:2]] == list(reversed(added))
    assert {a["evidence_status"] for a in page["results"][:2]} == {"processed"}
    assert page["count"] == 32
    assert signed.evidence(added[0])["primary_device_evidence"]


def test_an_updated_attempt_keeps_what_the_test_set_as_time_passes(simulator, signed):
    in_progress = next(
        i for i, a in simulator.dataset.attempts.items() if a["submitted_at"] is None
    )

    simulator.dataset.update(in_progress, trust_score=0.42, submitted_at=None)
    simulator.clock.advance(3 * 3600)

    attempt = signed.attempt_by_id(in_progress).json()["test_attempt"]
    assert (attempt["trust_score"], attempt["submitted_at"]) == (0.42, None)


@pytest.mark.parametrize("attempts", [0, 1, 12, 30])
def test_small_datasets_are_complete(attempts):
    simulator = Simulator(attempts=attempts, seed=2)

    assert len(simulator.dataset.attempts) == attempts
    assert len(simulator.dataset.usage()["usage_by_lookup_key"]) <= attempts
