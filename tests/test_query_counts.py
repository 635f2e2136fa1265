"""The attempts list runs the same number of queries for 1,000 rows as for 10,000, whatever the
view and however deep the page: no query per row, per page or per label, so a regression shows
up here rather than on a customer's million rows. (benchmarks/ measures the time.)"""

import html
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from proctoring.models import Attempt, EvidenceRecord
from tests.fixtures.data import make_attempts
from tests.fixtures.personas import logged_in, make_user

pytestmark = pytest.mark.django_db

LABELS = ["tab-switch", "noise-detected", "multiple-faces-detected"]
VIEWS = [
    "",
    "o=trust",
    "o=-duration",
    "o=candidate&lookup_key=maths-101",
    "in_progress=on&o=trust",
    "below_threshold=on&o=-violations",
    "violation=tab-switch&q=Cand",
    "trust_min=10&trust_max=90&o=-submitted",
]
NEXT_LINK = re.compile(r'href="([^"]*)" rel="next"')


def grow_to(number):
    """Attempts (every tenth in progress, scores spread out) with a violation each, in bulk."""
    start = Attempt.objects.count()
    finished = timezone.now() - timedelta(hours=1)
    attempts = make_attempts(
        number - start,
        trust_score=lambda i: None if (start + i) % 10 == 0 else (start + i) % 97 / 100,
        submitted_at=lambda i: None if (start + i) % 10 == 0 else finished,
    )
    EvidenceRecord.objects.bulk_create(
        EvidenceRecord(attempt=attempt, position=0, label=LABELS[attempt.pk % 3], is_violation=True)
        for attempt in attempts
    )


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def list_url(query):
    return f"{reverse('attempt-list')}?{query}"


def test_the_list_runs_no_more_queries_for_10_000_rows_than_for_10(test_admin_client):
    counts = {}
    for size in [10, 100, 1_000, 10_000]:
        grow_to(size)
        counts[size] = [queries_for(test_admin_client, list_url(query)) for query in VIEWS]
    assert counts[10_000] == counts[1_000]
    # A small list may need one query less (one page needs no count) or one more (a page
    # straddling the rows with a value and those without reads both): never more than that.
    for size in [10, 100]:
        assert all(
            abs(small - large) <= 1
            for small, large in zip(counts[size], counts[10_000], strict=True)
        ), (size, counts)


def test_a_page_deep_in_the_list_costs_as_many_queries_as_the_first(test_admin_client):
    grow_to(10_000)
    url = list_url("o=trust")
    first = queries_for(test_admin_client, url)
    for _ in range(30):
        page = test_admin_client.get(url).content.decode()
        url = reverse("attempt-list") + html.unescape(NEXT_LINK.search(page).group(1))
    assert queries_for(test_admin_client, url) == first


# What a list page needs, one query each: the session; its user; the user's roles, permissions
# and test scopes (access.scopes); every filter's choices; the page's rows with their review
# and their test's review threshold (the trust colours); how many match (up to 10,001); the
# bulk verdict's common reasons (for reviewers only). benchmarks/pages.py prints them for the
# default view.
LIST_QUERIES = 7


def test_the_list_runs_only_the_queries_it_needs(test_admin_client):
    grow_to(1_000)
    counts = [queries_for(test_admin_client, list_url(query)) for query in VIEWS]
    # A page that straddles the rows with a value in the sort column and those without reads
    # both (dashboard.pagination): one query more.
    assert all(count in (LIST_QUERIES, LIST_QUERIES + 1) for count in counts), counts
    assert queries_for(test_admin_client, list_url("")) == LIST_QUERIES


def test_someone_who_cannot_review_is_not_sent_the_bulk_verdicts_reasons(db):
    viewer = make_user("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_attempt"))
    grow_to(100)
    client = logged_in(viewer)
    client.get(list_url(""))  # the session's expiry pushed forward, once
    assert queries_for(client, list_url("")) == LIST_QUERIES - 1
    assert 'id="bulk-form"' not in client.get(list_url("")).content.decode()
