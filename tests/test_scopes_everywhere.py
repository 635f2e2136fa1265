"""A role limited to some tests sees nothing of the others, on every URL of the product.

`grant_role alice Proctor --tests "biology-*"` (and a test admin, carol, on the same tests):
every URL the resolver knows is visited, so a URL added later is walked too. Two proofs:

- A marker ("xoutx") is in every name, email, attempt id, lookup key, note, reason and reviewer
  name of the data outside the scope; no response body (pages, JSON, CSV, ZIP members) ever
  holds it.
- Each page, for the scoped user, is the same whether the data outside the scope exists or not
  (volatile tokens aside): so no figure, count, chart or list is moved by it either. The
  overview's cache is filled by an unscoped reader in between, so a cache shared across
  scopes would show.

Attempts, records and tests outside the scope answer 404 (as if they did not exist), account-
wide pages 403, and the review actions posted at them change nothing.
"""

from __future__ import annotations

import difflib
import io
import re
import zipfile

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.models import QuerySet
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access.roles import TEST_ADMIN
from audit.models import AuditEvent
from proctoring.models import EvidenceRecord, SyncRun
from review import services as review_services
from review import thresholds
from review.context_notes import add_context_note
from review.models import ContextNote, EvidenceDismissal, ReviewNote, ReviewState, VerdictChange
from tests.fixtures.data import make_attempt, make_records, make_usage
from tests.fixtures.personas import logged_in, make_user
from tests.url_ids import path_arguments, reverse_with

pytestmark = pytest.mark.django_db

MARKER = "xoutx"
INSIDE_TESTS = ["biology-101", "biology-202"]
# Outside biology-*: another test, another case, no dash, and no lookup key at all.
OUTSIDE_TESTS = ["chemistry-xoutx", "Biology-xoutx", "biologyxoutx", ""]
LABELS = ["tab-switch", "noise-detected"]
# Account-wide pages: a role limited to tests never reaches them.
ACCOUNT_WIDE = {
    "usage",
    "chart-credit-balance",
    "sync-status",
    "sync-progress",
    "sync-now",
    "console",
    "console-walk",
    "console-signature",
    "console-doctor",
    "retention",
    "retention-hold",
    "retention-release",
}
# Query strings walked besides each page's own URL: searches, filters, sorts.
VARIANTS = {
    "attempt-list": [
        "q=Candidate",
        "q=xoutx",
        "o=trust",
        "below_threshold=on",
        "labels=tab-switch",
    ],
    "attempt-export": ["o=-trust"],
    "tests-index": ["o=attempts"],
    "audit-log": ["attempt=xoutx-1"],
}
# A case file records when it was made (and the download, in its audit.csv), and its manifest
# hashes those members: neither is compared.
ZIP_VOLATILE = [
    re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"),
    re.compile(r"^[0-9a-f]{64}  ", re.MULTILINE),
]
VOLATILE = [
    re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'),
    re.compile(r'nonce="[^"]*"'),
    re.compile(r"csrftoken=[^;\s\"]*"),
]


def people():
    bob = make_user("bob", TEST_ADMIN)  # unscoped: writes the history outside the scope
    alice, carol = make_user("alice"), make_user("carol")
    call_command("grant_role", "alice", "Proctor", "--tests", "biology-*")
    call_command("grant_role", "carol", TEST_ADMIN, "--tests", "biology-*")
    return bob, alice, carol


def make_tests(keys, *, outside, bob, start):
    """Three attempts per test (one below the threshold, one with a verdict and a note), with
    violations, a test note and a candidate note; outside the scope every text holds MARKER."""
    mark = MARKER if outside else "inside"
    attempts = []
    for n, key in enumerate(keys, start=start):
        for i in range(3):
            attempt = make_attempt(
                lookup_key=key,
                test_attempt_id=f"{mark}-{n}{i}",
                candidate_name=f"{'Xoutx' if outside else 'Inside'} Candidate {n}{i}",
                candidate_email=f"{mark}{n}{i}@example.org",
                trust_score=[0.95, 0.4, 0.7][i] + n / 1000,
            )
            make_records(attempt, *LABELS[: i + 1], s3_path=None)
            attempts.append(attempt)
        first, second, _ = attempts[-3:]
        review_services.set_verdict(
            user=bob, attempt=second, verdict="violation", reason=f"{mark} reason"
        )
        review_services.add_note(user=bob, attempt=first, text=f"{mark} note")
        record = first.evidence_records.first()
        review_services.dismiss_record(user=bob, record=record, reason=f"{mark} dismissal")
        add_context_note(user=bob, attempt=first, kind="candidate", text=f"{mark} person")
        if key:
            add_context_note(user=bob, attempt=first, kind="test", text=f"{mark} test note")
            thresholds.set_threshold(
                user=bob, lookup_key=key, threshold=0.5 + n / 100, reason=f"{mark} threshold"
            )
    return attempts


@pytest.fixture
def world(settings):
    settings.AUTOPROCTOR_CLIENT_SECRET = ""
    bob, alice, carol = people()
    inside = make_tests(INSIDE_TESTS, outside=False, bob=bob, start=1)
    SyncRun.objects.create(
        kind=SyncRun.Kind.RESULTS, status=SyncRun.Status.SUCCEEDED, created=len(inside)
    )
    make_usage(
        usage_by_lookup_key=[
            {"lookup_key": key or "none-xoutx", "attempts": 3, "credits": 3}
            for key in INSIDE_TESTS + OUTSIDE_TESTS
        ]
    )
    return {"bob": bob, "alice": alice, "carol": carol, "inside": inside}


def add_outside(world):
    """Everything outside biology-*, written by the unscoped test admin."""
    make_tests(OUTSIDE_TESTS, outside=True, bob=world["bob"], start=7)
    # A reviewer who only ever reviewed outside the scope: not even their name shows.
    stranger = make_user("xoutxreviewer", TEST_ADMIN)
    outside_attempt = ReviewState.objects.get(attempt__test_attempt_id="xoutx-71").attempt
    review_services.set_verdict(
        user=stranger, attempt=outside_attempt, verdict="cleared", reason="xoutx overturned"
    )
    AuditEvent.objects.create(
        username="bob", action="evidence.view", attempt=outside_attempt, summary="xoutx opened"
    )


def ids_of(attempt, record):
    return {
        "attempt_id": attempt.pk,
        "record_id": record.pk,
        "hold_id": 1,
        "change_id": 1,
        "lookup_key": attempt.lookup_key,
        "first_id": attempt.pk,
        "second_id": attempt.pk,
        "uidb64": "MQ",
        "token": "set-password",
    }


def every_url(ids):
    """Every URL of the product (the Django admin aside), with its walked query strings; the
    audit trail first, before the walk's own downloads add to it."""
    for name in sorted(path_arguments(), key=lambda name: (name != "audit-log", name)):
        url = reverse_with(name, ids)
        for query in ["", *VARIANTS.get(name, [])]:
            yield name, f"{url}?{query}" if query else url


def body_of(response) -> str:
    """The response as text: a ZIP's members (and theirs) one after the other, streams joined."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = unzipped(content)
    for pattern in VOLATILE:
        text = pattern.sub("", text)
    return text


def unzipped(content: bytes) -> str:
    if content[:4] != b"PK\x03\x04":
        return content.decode("utf-8", errors="replace")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = sorted(archive.namelist())
        text = "\n".join([*names, *(unzipped(archive.read(name)) for name in names)])
    for pattern in ZIP_VOLATILE:
        text = pattern.sub("", text)
    return text


def walk(client, ids) -> dict[str, tuple[int, str]]:
    seen = {}
    for name, url in every_url(ids):
        response = client.get(url)
        seen[url] = (response.status_code, body_of(response), name)
    return seen


def difference(url, before, after):
    changed = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1)
    return f"{url} changed with data outside the scope:\n" + "\n".join(list(changed)[:40])


def fresh_client(user):
    return logged_in(type(user).objects.get(pk=user.pk))


@pytest.mark.parametrize("who", ["alice", "carol"])
def test_a_scoped_user_sees_nothing_outside_the_scope_on_any_url(world, who):
    user = world[who]
    attempt = world["inside"][1]
    record = EvidenceRecord.objects.filter(attempt=attempt).first()
    ids = ids_of(attempt, record)

    cache.clear()
    last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    without = walk(fresh_client(user), ids)
    AuditEvent.objects.filter(pk__gt=last_event).delete()  # the walk's own downloads
    cache.clear()
    add_outside(world)
    # An unscoped reader fills the overview's cache first: a scoped reader must not get it.
    unscoped = logged_in(world["bob"])
    assert MARKER in body_of(unscoped.get(reverse("attempt-list") + "?q=xoutx")).lower()
    assert unscoped.get(reverse("overview")).status_code == 200
    with_outside = walk(fresh_client(user), ids)

    assert without.keys() == with_outside.keys()
    for url, (status, body, name) in with_outside.items():
        if MARKER not in url:
            assert MARKER not in body.lower(), f"{who} read data outside the scope at {url}"
        if name in ACCOUNT_WIDE:
            assert status in (302, 403, 405), f"{who} reached the account-wide {url}: {status}"
        assert (status, body) == without[url][:2], difference(url, without[url][1], body)
    # Not vacuous: the pages did show the data inside the scope.
    assert "Inside Candidate" in with_outside[reverse("attempt-list")][1]
    assert "biology-202" in with_outside[reverse("tests-index")][1]
    export = with_outside.get(reverse("attempt-export"))
    if who == "carol":
        assert export[0] == 200
        assert export[1].count("inside-") == len(world["inside"])


def outside_targets():
    attempt = ReviewState.objects.get(attempt__test_attempt_id="xoutx-71").attempt
    record = EvidenceRecord.objects.filter(attempt=attempt).first()
    return attempt, record


def history_counts():
    return [
        QuerySet(model).count()
        for model in (VerdictChange, ReviewNote, EvidenceDismissal, ContextNote, ReviewState)
    ] + [thresholds.thresholds_for(OUTSIDE_TESTS)]


@pytest.mark.parametrize("who", ["alice", "carol"])
def test_attempts_records_and_tests_outside_the_scope_do_not_exist_for_the_scoped_user(world, who):
    add_outside(world)
    attempt, record = outside_targets()
    client = fresh_client(world[who])
    before = history_counts()
    for name, url in every_url(ids_of(attempt, record)):
        if (
            "attempt_id" not in path_arguments()[name]
            and "lookup_key" not in path_arguments()[name]
        ):
            continue
        status = client.get(url).status_code
        assert status in (403, 404, 405), f"{url}: {status}"
        posted = client.post(
            url,
            {
                "verdict": "cleared",
                "reason": "mine now",
                "text": "mine now",
                "kind": "test",
                "action": "dismiss",
                "label": "tab-switch",
                "threshold": "10",
                "start": timezone.now().isoformat(),
                "minutes": "60",
            },
        )
        assert posted.status_code in (403, 404, 405), f"POST {url}: {posted.status_code}"
    bulk = client.post(
        reverse("attempt-bulk-verdict"),
        {"attempts": [attempt.pk], "verdict": "cleared", "reason": "mine now"},
    )
    assert bulk.status_code == 302
    assert history_counts() == before


def test_a_refused_evidence_file_is_answered_404_and_logged(world):
    add_outside(world)
    attempt, record = outside_targets()
    client = fresh_client(world["alice"])
    url = reverse("evidence-file", args=[attempt.pk, record.pk])
    response = client.get(url, headers={"sec-fetch-site": "same-origin"})
    assert response.status_code == 404
    assert MARKER not in response.content.decode().lower()
    refusal = AuditEvent.objects.get(action="evidence.refused")
    assert (refusal.username, refusal.attempt_id) == ("alice", attempt.pk)
    # ... which alice cannot read on the audit page (it is about a test outside her scope),
    # while an unscoped test admin can.
    assert "evidence.refused" in logged_in(world["bob"]).get(reverse("audit-log")).content.decode()


def test_a_scoped_test_admin_reads_the_audit_entries_about_their_tests_only(world):
    add_outside(world)
    page = fresh_client(world["carol"]).get(reverse("audit-log")).content.decode()
    assert "inside reason" in page  # a verdict on an attempt of biology-*
    assert "biology-101: review threshold" in page  # a threshold of one of the tests
    assert MARKER not in page.lower()
    assert "grants" not in page  # account-wide: who was given which role


def test_the_scoped_pages_cost_the_queries_of_the_unscoped_ones(world):
    add_outside(world)

    def queries(user, url):
        client = fresh_client(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for url in [reverse("attempt-list"), reverse("review-queue"), reverse("tests-index")]:
        assert queries(world["alice"], url) <= queries(world["bob"], url) + 1, url


def test_removing_the_scope_gives_back_every_test(world):
    add_outside(world)
    call_command("grant_role", "alice", "Proctor")
    page = fresh_client(world["alice"]).get(reverse("attempt-list") + "?q=xoutx").content
    assert b"Xoutx Candidate" in page


def test_a_superuser_and_an_unscoped_proctor_still_see_everything(world, django_user_model):
    add_outside(world)
    root = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    for user in (root, make_user("dora", "Proctor")):
        page = Client()
        page.force_login(user)
        assert b"Xoutx Candidate" in page.get(reverse("attempt-list") + "?q=xoutx").content
