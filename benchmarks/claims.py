"""Claims under load: twenty reviewers press "next" in the review queue at the same instant,
round after round, each through the real view (Django's test client, logged in as their own
proctor user, in their own process with its own database connection), released together by a
barrier. Every reviewer must get a different attempt in every round, fast.

The figure is the server time of each "next" (from the request to the redirect to the claimed
attempt): p50 and p95 over every reviewer and round. The references in the same run are one
reviewer pressing "next" alone, and the claim's conditional UPDATE replayed bare. Each round
goes on from the attempt the reviewer had (`after`), as the report's "Next attempt" does, so
the claims move down the queue and the reviewers race for the same rows each time.

Each reviewer's process is a web server's worker that has served before: before the timed
rounds it presses "next" twice, at the same instant as the others, on a connection of its own:
from the top of the queue, then from the attempt it got, the two ways "next" is pressed (a
worker keeps its connection for CONN_MAX_AGE and prepares the statements of each way on it
once). The first press pays for opening the connection and preparing; it is reported apart
("a fresh connection's first press"), as a worker pays it once a CONN_MAX_AGE (ten minutes).
"""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from access.roles import PROCTOR, ensure_roles
from benchmarks import database, loading
from benchmarks.measure import median, percentile, progress
from benchmarks.plan import Plan
from benchmarks.report import Report, Row, count
from dashboard import selectors
from review.models import ReviewClaim

FORM = "application/x-www-form-urlencoded"
REVIEWERS = 20
ROUNDS = 10
TARGET_P95_MS = 50


@dataclass
class ClaimFigures:
    seconds: list[float] = field(default_factory=list)  # every "next" of every reviewer
    first: list[float] = field(default_factory=list)  # each reviewer's (untimed) first press
    duplicates: int = 0  # reviewers given an attempt another reviewer got in the same round
    empty: int = 0  # "next" that found nothing (the queue ran out)
    errors: list[str] = field(default_factory=list)


def reviewers(number: int) -> list[str]:
    """`number` proctors, each logged in: their session keys."""
    group = ensure_roles()[PROCTOR]
    sessions = []
    for index in range(number):
        user, _ = get_user_model().objects.get_or_create(username=f"bench-reviewer-{index:02d}")
        user.groups.add(group)
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return sessions


def press_next(client: Client, after: int | None) -> tuple[float, int | None]:
    """(seconds, the attempt claimed or None) of one "next" through the view, posted as the
    page's form is (URL-encoded: the test client's default, multipart, costs the server a
    parse a browser never asks of it)."""
    data = "" if after is None else urlencode({"after": after})
    url = reverse("review-next")
    started = time.perf_counter()
    response = client.post(url, data, content_type=FORM)
    elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    if "?queue=1" not in location:
        return elapsed, None  # back to the queue: nothing left for this reviewer
    return elapsed, int(location.split("/attempts/")[1].split("/")[0])


def _reviewer(number: int, session: str, rounds: int, barrier, results) -> None:
    """One reviewer's process: its two untimed presses (on a connection of its own), then
    `rounds` times, wait for the others, then press "next"."""
    seconds, got, error, first = [], [], None, None
    try:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session
        barrier.wait(timeout=120)
        first, after = press_next(client, None)
        got.append(after)
        barrier.wait(timeout=120)
        _, after = press_next(client, after)  # the other way, prepared too; untimed
        got.append(after)
        for _ in range(rounds):
            barrier.wait(timeout=120)
            elapsed, after = press_next(client, after)
            seconds.append(elapsed)
            got.append(after)
        # A web worker stays up: this one closes its connection and ends (work for both
        # sides' processes) only when every reviewer's last press is done.
        barrier.wait(timeout=120)
    except Exception as problem:  # reported with the figures, not lost in the process
        error = repr(problem)
        barrier.abort()
    finally:
        connections.close_all()
    results.put((number, seconds, got, error, first))


def race(sessions: list[str], rounds: int) -> ClaimFigures:
    """Every reviewer presses "next" at once, `rounds` times, each in a process of its own (as
    the web server's workers serve them side by side, with no lock of Python's between them);
    each goes on from what it had."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(sessions))
    results = context.Queue()
    connections.close_all()  # each process opens its own connection
    processes = [
        context.Process(target=_reviewer, args=(number, session, rounds, barrier, results))
        for number, session in enumerate(sessions)
    ]
    for process in processes:
        process.start()
    answers = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    figures = ClaimFigures()
    got: list[list[int | None]] = [[] for _ in range(rounds + 2)]  # the untimed two's too
    for _, seconds, handed, error, first in sorted(answers, key=lambda answer: answer[0]):
        figures.seconds += seconds
        figures.first += [] if first is None else [first]
        if error:
            figures.errors.append(error)
        for round_number, attempt in enumerate(handed):
            got[round_number].append(attempt)
    for handed in got:
        claimed = [attempt for attempt in handed if attempt is not None]
        figures.empty += len(handed) - len(claimed)
        figures.duplicates += len(claimed) - len(set(claimed))
    return figures


def bare_claim_update(repeats: int) -> list[float]:
    """Seconds of the claim's conditional UPDATE alone (a lapsed claim taken over)."""
    claim = ReviewClaim.objects.order_by("pk").first()
    seconds = []
    with connection.cursor() as cursor:
        for _ in range(repeats):
            started = time.perf_counter()
            cursor.execute(
                "UPDATE review_reviewclaim SET expires_at = now() + interval '30 minutes', "
                "claimed_at = now() WHERE attempt_id = %s "
                "AND (reviewer_id = %s OR expires_at <= now())",
                [claim.attempt_id, claim.reviewer_id],
            )
            seconds.append(time.perf_counter() - started)
    return seconds


def run_claims(plan: Plan, report: Report) -> None:
    size = plan.claims
    if loading.attempt_count() > size:
        database.empty_tables()
    added, load_seconds = loading.grow_to(
        size, start_time=float(int(time.time())), tests=loading.INSTITUTION_TESTS
    )
    database.vacuum()
    progress(f"claims: loaded {count(added)} attempts in {load_seconds:.0f} s")
    ReviewClaim.objects.all().delete()
    sessions = reviewers(REVIEWERS)
    queued = selectors.review_queue(get_user_model().objects.get(username="bench-reviewer-00"))
    waiting = queued.count()
    # Warm (URLs, views and templates loaded) before the processes are forked from this one,
    # as a web server's workers are when the reviewers arrive.
    warm = Client()
    warm.cookies[settings.SESSION_COOKIE_NAME] = sessions[0]
    press_next(warm, None)
    ReviewClaim.objects.all().delete()
    alone = race(sessions[:1], plan.claim_rounds)
    ReviewClaim.objects.all().delete()
    figures = race(sessions, plan.claim_rounds)
    bare = bare_claim_update(50)
    p50, p95 = median(figures.seconds) * 1000, percentile(figures.seconds, 0.95) * 1000
    alone_p50 = median(alone.seconds) * 1000
    first_p50 = median(figures.first) * 1000
    progress(
        f"claims: {REVIEWERS} reviewers × {plan.claim_rounds} rounds: p50 {p50:.1f} ms, "
        f"p95 {p95:.1f} ms, max {max(figures.seconds) * 1000:.1f} ms, "
        f"{figures.duplicates} duplicates, {figures.empty} empty, errors {figures.errors[:3]}; "
        f"alone p50 {alone_p50:.1f} ms; bare UPDATE {median(bare) * 1000:.2f} ms; "
        f"a fresh connection's first press p50 {first_p50:.1f} ms, "
        f"max {max(figures.first) * 1000:.1f} ms"
    )
    report.rows.append(
        Row(
            f'{REVIEWERS} reviewers pressing "next" at once (`/review/next/`), server time',
            f"{count(waiting)} attempts waiting of {count(loading.attempt_count())}, "
            f"{plan.claim_rounds} rounds",
            f"p50 {p50:.0f} ms, p95 {p95:.0f} ms; {figures.duplicates} attempts handed twice "
            f"in a round",
            f"one reviewer alone: p50 {alone_p50:.0f} ms; the claim's UPDATE bare: "
            f"{median(bare) * 1000:.1f} ms; a fresh connection's first press (untimed, all at "
            f"once): p50 {first_p50:.0f} ms",
            "p95 ≤ 50 ms, 0 handed twice",
            p95 <= TARGET_P95_MS and figures.duplicates == 0 and not figures.errors,
        )
    )
