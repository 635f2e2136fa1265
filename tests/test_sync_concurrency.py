"""Latency hidden: the evidence pass keeps many attempts in flight, backs off on 429s and grows
again; and a results pass killed outright no longer blocks the next one for minutes."""

import signal
import time

import pytest

from proctoring.models import Attempt, SyncRun
from proctoring.sync import sync_evidence, sync_results
from proctoring.sync.concurrency import AdaptiveLimit
from tests.sync_support import (
    assert_matches_simulator,
    client_for,
    start_manage,
    stop_process,
    subprocess_env,
    wait_until,
)


@pytest.mark.django_db
def test_the_concurrency_grows_while_calls_succeed_halves_on_429s_and_recovers(simulator):
    limit = AdaptiveLimit(start=4, maximum=32)
    ids = list(simulator.dataset.attempts)
    with client_for(simulator, max_retries=3).listening(limit.observe) as client:
        for test_attempt_id in ids[:8]:
            client.get_attempt(test_attempt_id)
        grown = limit.current
        simulator.inject("rate_limit", path_contains="/test-attempts/", times=2, retry_after=0)
        client.get_attempt(ids[0])
        after_429 = limit.current
        for test_attempt_id in ids[:20]:
            client.get_attempt(test_attempt_id)
        recovered = limit.current

    assert grown == 12  # one more per successful call until the first setback
    assert after_429 == grown // 2  # two 429s in one round trip: halved once
    assert after_429 < recovered <= 32


def test_a_retry_after_pauses_every_new_call_until_then():
    limit = AdaptiveLimit(start=4, maximum=4)
    limit.observe("attempt", 429, 5.0, retry_after=0.3)
    started = time.monotonic()
    limit.acquire()
    assert time.monotonic() - started >= 0.25


def test_the_concurrency_never_exceeds_its_cap():
    limit = AdaptiveLimit(start=2, maximum=5)
    for _ in range(50):
        limit.observe("attempt", 200, 100.0, None)
    assert limit.current == 5


@pytest.mark.django_db(transaction=True)
def test_the_evidence_pass_keeps_many_attempts_in_flight_and_stores_them_all(
    make_simulator, settings
):
    settings.SYNC_EVIDENCE_WORKERS = 4
    settings.SYNC_EVIDENCE_MAX_CONCURRENCY = 16
    simulator = make_simulator(attempts=120, latency_ms=50)
    client = client_for(simulator)
    sync_results(client)
    simulator.clear_requests()

    run = sync_evidence(client)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert_matches_simulator(simulator)
    # One kept-alive connection per attempt in flight: more than the four it started with.
    assert len({request.peer for request in simulator.requests}) > 4


@pytest.mark.django_db(transaction=True)
def test_a_results_pass_killed_mid_pass_is_taken_over_within_30_seconds(make_simulator):
    simulator = make_simulator(attempts=1500)
    simulator.inject("slow", path_contains="/results/", times=-1, delay=0.3)
    worker = start_manage("sync_autoproctor", "--results", env=subprocess_env(simulator))
    try:
        assert wait_until(lambda: Attempt.objects.count() >= 200, timeout=60), "no page stored"
    finally:
        stop_process(worker, signal.SIGKILL)
    killed_at = time.monotonic()
    assert Attempt.objects.count() < 1500  # killed mid-pass
    simulator.clear_faults()

    run = sync_results(client_for(simulator))
    while run.status == SyncRun.Status.SKIPPED and time.monotonic() - killed_at < 40:
        time.sleep(1)
        run = sync_results(client_for(simulator))
    taken_over_after = time.monotonic() - killed_at

    assert run.status == SyncRun.Status.SUCCEEDED
    assert taken_over_after <= 30
    assert Attempt.objects.count() == 1500
    killed = SyncRun.objects.filter(kind="results").exclude(pk=run.pk).exclude(status="skipped")
    assert [r.status for r in killed] == [SyncRun.Status.FAILED]  # marked interrupted
