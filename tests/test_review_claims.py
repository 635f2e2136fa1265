"""Claims on the review queue (review.claims): two reviewers working the queue side by side are
never offered the same attempt, a claim lapses or is released, a test admin may take one over,
and "next" stays right when several reviewers ask at the same instant on PostgreSQL."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access.roles import PROCTOR, TEST_ADMIN
from access.scopes import set_grants
from audit.models import AuditEvent
from dashboard import selectors
from dashboard.views.claims import next_in_queue
from proctoring.models import Attempt
from review import claims, queue_walk, services, thresholds
from review import selectors as review_selectors
from review.models import ReviewClaim
from tests.fixtures.data import make_attempts
from tests.fixtures.personas import logged_in, make_user

NEXT = reverse("review-next")
QUEUE = reverse("review-queue")


def report(attempt):
    return reverse("attempt-report", args=[attempt.pk])


@pytest.fixture
def queue(db):
    return make_attempts(3, trust_score=lambda i: [0.1, 0.2, 0.3][i], candidate_name="Someone")


@pytest.fixture
def colleague(db):
    return make_user("dave", PROCTOR)


def test_next_gives_two_reviewers_different_attempts_and_the_queue_names_who_has_one(
    proctor, proctor_client, colleague, queue
):
    first, second, _ = queue
    assert proctor_client.post(NEXT)["Location"] == f"{report(first)}?queue=1"
    dave = logged_in(colleague)
    assert dave.post(NEXT)["Location"] == f"{report(second)}?queue=1"
    page = dave.get(QUEUE).content.decode()
    assert "being reviewed by alice since" in page
    # Dave may still read Alice's attempt, with a banner saying who has it.
    banner = dave.get(report(first), {"queue": "1"}).content.decode()
    assert "Being reviewed by <strong>alice</strong>" in banner
    assert "Take over the review" not in banner  # a proctor may not take it
    assert ReviewClaim.objects.get(attempt=first).reviewer == proctor  # still Alice's


def test_opening_from_the_queue_claims_and_a_verdict_releases(proctor, proctor_client, queue):
    first, second, _ = queue
    proctor_client.get(report(first), {"queue": "1"})
    assert ReviewClaim.objects.get(attempt=first).reviewer == proctor
    # Opening outside the queue (a look from the list) claims nothing.
    proctor_client.get(report(second))
    assert not ReviewClaim.objects.filter(attempt=second).exists()
    data = {"verdict": "cleared", "reason": "fine", "seen_trust_score": "0.1"}
    data |= {"seen_violation_count": "0", "queue": "True"}
    response = proctor_client.post(reverse("attempt-verdict", args=[first.pk]), data)
    assert response["Location"] == f"{report(second)}?queue=1"
    assert list(ReviewClaim.objects.values_list("attempt_id", flat=True)) == [second.pk]


def test_a_lapsed_claim_is_offered_again_and_the_heartbeat_keeps_one_alive(
    proctor_client, colleague, queue, settings
):
    first = queue[0]
    proctor_client.post(NEXT)
    claim_url = reverse("attempt-claim", args=[first.pk])
    before = ReviewClaim.objects.get(attempt=first).expires_at
    renewed = proctor_client.post(claim_url, {"action": "renew"}).json()
    assert renewed["mine"] and renewed["reviewer"] == "alice"
    assert ReviewClaim.objects.get(attempt=first).expires_at >= before
    dave = logged_in(colleague)
    assert dave.post(claim_url, {"action": "renew"}).json()["mine"] is False
    ReviewClaim.objects.filter(attempt=first).update(expires_at=timezone.now() - timedelta(1))
    assert dave.post(NEXT)["Location"] == f"{report(first)}?queue=1"


def test_leaving_releases_the_claim(proctor_client, colleague, queue):
    first = queue[0]
    proctor_client.post(NEXT)
    logged_in(colleague).post(reverse("attempt-claim", args=[first.pk]), {"action": "release"})
    assert ReviewClaim.objects.filter(attempt=first).exists()  # not Dave's to release
    proctor_client.post(reverse("attempt-claim", args=[first.pk]), {"action": "release"})
    assert not ReviewClaim.objects.filter(attempt=first).exists()


def test_a_test_admin_takes_a_claim_over_and_the_audit_log_says_so(
    proctor_client, test_admin, test_admin_client, colleague, queue
):
    first = queue[0]
    proctor_client.post(NEXT)
    take = {"action": "take"}
    logged_in(colleague).post(reverse("attempt-claim", args=[first.pk]), take)
    assert ReviewClaim.objects.get(attempt=first).reviewer_name == "alice"
    page = test_admin_client.get(report(first), {"queue": "1"}).content.decode()
    assert "Take over the review" in page
    test_admin_client.post(reverse("attempt-claim", args=[first.pk]), take)
    assert ReviewClaim.objects.get(attempt=first).reviewer == test_admin
    event = AuditEvent.objects.get(action=claims.CLAIM_TAKEN_OVER)
    assert event.username == "bob" and "from alice" in event.summary


def test_every_attempt_taken_sends_the_reviewer_back_to_the_queue(proctor_client, colleague):
    (only,) = make_attempts(1, trust_score=0.1)
    proctor_client.post(NEXT)
    response = logged_in(colleague).post(NEXT, follow=True)
    assert response.redirect_chain[-1][0] == QUEUE
    assert "being reviewed by someone else" in response.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("number", [2, 8])
def test_reviewers_pressing_next_at_the_same_instant_get_different_attempts(number):
    """Several threads, each with its own database connection, ask for the next attempt at the
    same moment, round after round: no attempt is ever handed to two of them."""
    if connection.vendor != "postgresql":
        pytest.skip("several connections writing at once need PostgreSQL")
    reviewers = [make_user(f"reviewer{index}", PROCTOR) for index in range(number)]
    rounds = 12 if number == 2 else 5
    make_attempts(number * rounds, trust_score=lambda i: 0.01 * (i + 1))
    barrier = threading.Barrier(number)
    handed: dict[str, list[int]] = {user.username: [] for user in reviewers}
    errors = []

    def work(user):
        try:
            for _ in range(rounds):
                barrier.wait(timeout=20)
                # Each goes on from what they had (as "next" goes on after the current one).
                passage = queue_walk.Walk(queue_walk.OPEN, skip=tuple(handed[user.username]))
                got = claims.claim_walked(user, passage)
                if got is not None:
                    handed[user.username].append(got.pk)
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(user,)) for user in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    everything = [pk for pks in handed.values() for pk in pks]
    assert len(everything) == number * rounds
    assert len(set(everything)) == len(everything), "an attempt was handed to two reviewers"
    assert ReviewClaim.objects.count() == number * rounds


@pytest.mark.django_db(transaction=True)
def test_reviewers_pressing_next_in_the_view_at_once_each_open_a_different_attempt():
    """The same through the view: eight logged-in reviewers press "Next attempt" together, each
    going on from the attempt they had (which releases it); in every round each is sent to an
    attempt none of the others was sent to."""
    if connection.vendor != "postgresql":
        pytest.skip("several connections writing at once need PostgreSQL")
    number, rounds = 8, 4
    clients = [logged_in(make_user(f"reviewer{index}", PROCTOR)) for index in range(number)]
    make_attempts(number * rounds, trust_score=lambda i: 0.01 * (i + 1))
    barrier = threading.Barrier(number)
    opened = [[None] * number for _ in range(rounds)]
    errors = []

    def work(index, client):
        after = {}
        try:
            for round_number in range(rounds):
                barrier.wait(timeout=20)
                response = client.post(NEXT, after)
                attempt_id = int(response["Location"].split("/")[2])
                opened[round_number][index] = attempt_id
                after = {"after": str(attempt_id)}
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=item) for item in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    for round_number, attempts in enumerate(opened):
        assert len(set(attempts)) == number, f"round {round_number}: {attempts}"
    assert ReviewClaim.objects.count() == number


def test_a_malformed_attempt_after_is_read_as_none(proctor_client, queue):
    # "²" passes str.isdigit(); a 25-digit number overflows the database.
    for after in ("²", "9" * 25, "-1"):
        assert (
            proctor_client.post(NEXT, {"after": after})["Location"] == f"{report(queue[0])}?queue=1"
        )


def test_next_goes_riskiest_first_ties_by_id_and_unscored_last(db):
    """The queue's order (review.selectors.QUEUE_ORDER) on both databases: SQLite sorts a NULL
    first unless told otherwise; an unscored attempt is in the queue only when marked Suspicious.
    """
    reviewer, colleague = make_user("alice", PROCTOR), make_user("dave", PROCTOR)
    unscored = make_attempts(1, trust_score=lambda i: None)[0]
    services.set_verdict(user=colleague, attempt=unscored, verdict="suspicious", reason="tip")
    first_tie, risky, second_tie = make_attempts(3, trust_score=lambda i: [0.4, 0.1, 0.4][i])
    expected = [risky.pk, first_tie.pk, second_tie.pk, unscored.pk]
    handed = []
    after = None
    for _ in expected:
        following = next_in_queue(reviewer, after)
        handed.append(following.pk)
        after = following
    assert handed == expected
    queue = selectors.review_queue(reviewer)
    assert review_selectors.queue_neighbours(queue, unscored) == (second_tie, None)
    assert review_selectors.queue_neighbours(queue, first_tie) == (risky, second_tie)


# Statements that only open or close a transaction (or a test's savepoint).
TRANSACTION = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")


@pytest.mark.django_db(transaction=True)
def test_next_costs_the_same_few_statements_however_long_the_queue_and_no_transaction(
    proctor_client,
):
    """Session, user, grants; the attempt left, its claim released and whether the reviewer
    has assignments; the attempt found and its claim taken, the thresholds joined in it (each
    of the two one statement on PostgreSQL, review.queue_walk): no more for a longer queue or
    when going on from an attempt, and each committing by itself (no BEGIN and COMMIT round
    trips around them)."""
    counts = []
    for size in [3, 300]:
        make_attempts(size, trust_score=0.1)
        ReviewClaim.objects.all().delete()
        first = int(proctor_client.post(NEXT)["Location"].split("/")[2])
        with CaptureQueriesContext(connection) as captured:
            response = proctor_client.post(NEXT, {"after": str(first)})
        assert "?queue=1" in response["Location"]
        statements = [query["sql"] for query in captured]
        counts.append(
            (
                sum(not sql.startswith(TRANSACTION) for sql in statements),
                sum(sql.startswith(TRANSACTION) for sql in statements),
            )
        )
    expected = 5 if connection.vendor == "postgresql" else 7
    assert counts == [(expected, 0), (expected, 0)], counts


@pytest.mark.django_db(transaction=True)
def test_next_on_postgresql_commits_without_waiting_for_the_disk_and_only_there(proctor_client):
    """A claim lapses by itself: the statements of "next" that write claims do not wait for a
    flush of the log (it queued the reviewers pressing at once behind each other). The setting
    is each statement's own: the connection's next statement waits for the disk again."""
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    make_attempts(3, trust_score=0.1)
    first = int(proctor_client.post(NEXT)["Location"].split("/")[2])
    with CaptureQueriesContext(connection) as captured:
        assert "?queue=1" in proctor_client.post(NEXT, {"after": str(first)})["Location"]
    writes = [
        q["sql"] for q in captured if "review_reviewclaim" in q["sql"] or "EXECUTE" in q["sql"]
    ]
    prepared = {
        name: text
        for name, text in _prepared_statements()
        if any(sql.startswith(f"EXECUTE {name} ") for sql in writes)
    }
    claiming = [text for text in prepared.values() if "review_reviewclaim" in text]
    assert len(claiming) == 2  # leaving (its claim released) and taking the next
    assert all("set_config('synchronous_commit', 'off', true)" in text for text in claiming)
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


def _prepared_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_the_walk_prepared_once_reads_the_queue_index_from_the_reviewers_place(proctor):
    """The one generic plan of the prepared walk (proctoring.prepared, plan_cache_mode in the
    settings) starts the (trust score, id) index at the reviewer's place, whatever the place:
    it never reads the queue before it."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are planned once only on PostgreSQL")
    attempts = make_attempts(30, trust_score=lambda i: i / 40)
    walk = queue_walk.Walk(queue_walk.OPEN, (attempts[10].trust_score, attempts[10].pk))
    with transaction.atomic():
        sql, params = queue_walk.walk(proctor, walk, lock=True)
        with connection.cursor() as cursor:
            # Plans as for a queue of thousands (a sort of thirty rows is cheaper here).
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            queue_walk.execute(cursor, proctor, sql, params)
            assert cursor.fetchone()[0] == attempts[11].pk
            cursor.execute(
                "SELECT name FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%SKIP LOCKED"],
            )
            (name,) = cursor.fetchone()
            arguments = ", ".join(["%s"] * len(params))
            cursor.execute(f"EXPLAIN EXECUTE {name} ({arguments})", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Cond: (ROW(trust_score, id) > ROW($" in plan, plan
    assert "dash_attempt_trust_id" in plan, plan


def test_the_statement_next_walks_gives_the_queue_in_its_order_for_every_scope(db):
    """review.queue_walk writes the queue's conditions out as SQL: the same attempts in the
    same order as the queue page (review.selectors.queue_in_order of the review queue), with
    a test's own threshold, for a reviewer limited to some tests, from the top and after an
    attempt (unscored ones last)."""
    admin = make_user("erin", TEST_ADMIN)
    scoped = make_user("fay")
    set_grants(scoped, {PROCTOR: ["biology-*"]}, source="cli")
    attempts = []
    for lookup_key in ["biology-101", "biology-202", "chemistry-1", ""]:
        attempts += make_attempts(
            8,
            lookup_key=lookup_key,
            trust_score=lambda i: [0.1, 0.95, None, 0.2, 0.3, 0.4, 0.6, 0.2][i],
            submitted_at=lambda i: None if i == 3 else timezone.now(),
            evidence_status=lambda i: "pending" if i == 4 else "processed",
        )
    thresholds.set_threshold(user=admin, lookup_key="biology-202", threshold=0.5)
    for attempt in attempts[2::8]:  # unscored: in the queue only when marked Suspicious
        services.set_verdict(user=admin, attempt=attempt, verdict="suspicious", reason="seen")
    for attempt in attempts[5::8]:
        services.set_verdict(user=admin, attempt=attempt, verdict="cleared", reason="seen")
    for attempt in attempts[5::16]:  # re-scored since: back in the queue
        Attempt.objects.filter(pk=attempt.pk).update(trust_score=0.05)

    def walked(user, after=None):
        rows = []
        for phase in queue_walk.phases(queue_walk.Walk(queue_walk.OPEN, after)):
            sql, params = queue_walk.walk(user, phase, limit=False)
            with connection.cursor() as cursor:  # as "next" runs it, with its one plan
                queue_walk.execute(cursor, user, sql, params)
                rows += [row[0] for row in cursor.fetchall()]
        return rows

    for user in [admin, scoped]:
        queue = review_selectors.queue_in_order(selectors.review_queue(user))
        expected = list(queue.values_list("pk", flat=True))
        assert walked(user) == expected
        for attempt in queue:
            place = expected.index(attempt.pk)
            assert walked(user, (attempt.trust_score, attempt.pk)) == expected[place + 1 :]
    assert Attempt.objects.get(pk=walked(scoped)[-1]).trust_score is None
    assert {Attempt.objects.get(pk=pk).lookup_key for pk in walked(scoped)} == {
        "biology-101",
        "biology-202",
    }


def test_next_after_an_attempt_outside_the_reviewers_tests_is_not_found_and_keeps_claims(db):
    """Leaving an attempt is read, and its claim released, in one statement
    (review.queue_walk.leave): an attempt the reviewer may not review is refused as before,
    and the claim on it (someone else's) stays."""
    scoped = make_user("fay")
    set_grants(scoped, {PROCTOR: ["biology-*"]}, source="cli")
    client = logged_in(scoped)
    other = make_attempts(1, lookup_key="chemistry-1", trust_score=0.1)[0]
    mine, following = make_attempts(
        2, lookup_key="biology-101", trust_score=lambda i: [0.2, 0.3][i]
    )
    claims.claim(scoped, other)
    assert client.post(NEXT, {"after": str(other.pk)}).status_code == 404
    assert ReviewClaim.objects.filter(attempt=other, reviewer=scoped).exists()
    claims.claim(scoped, mine)
    response = client.post(NEXT, {"after": str(mine.pk)})
    assert response["Location"] == f"{report(following)}?queue=1"
    assert list(ReviewClaim.objects.order_by("attempt").values_list("attempt", "reviewer")) == [
        (other.pk, scoped.pk),
        (following.pk, scoped.pk),
    ]
