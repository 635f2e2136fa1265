"""Server time of the dashboard's pages on a big table, through Django's test client as a
logged-in test admin (everything from the URL to the finished response; no browser).

The reference of a list page is the bare SQL: the same statements the view sent, replayed on
the same connection. Their difference is Django's own work (forms, ORM, template).
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from access.roles import TEST_ADMIN, ensure_roles
from access.scopes import set_grants
from benchmarks.measure import median, percentile
from benchmarks.report import table
from dashboard import selectors

NEXT_LINK = re.compile(r'href="([^"]*)" rel="next"')
REPORT_LINK = re.compile(r'href="/attempts/\d+/"')
CHART_URLS = [
    "/charts/attempts-per-day.json",
    "/charts/trust-distribution.json",
    "/charts/violations-by-label.json",
    "/charts/credit-balance.json",
]
ADMIN_NAME = "bench-admin"
SCOPED_NAME = "bench-scoped"


def admin_client() -> Client:
    """A test client logged in as a test admin (who sees every page and chart)."""
    user, _ = get_user_model().objects.get_or_create(username=ADMIN_NAME)
    user.groups.add(ensure_roles()[TEST_ADMIN])
    client = Client()
    client.force_login(user)
    return client


def every_test() -> list[str]:
    everyone = get_user_model()(username="benchmark", is_superuser=True, is_active=True)
    return selectors.lookup_keys(everyone)


def scoped_client(tests: int) -> tuple[Client, list[str]]:
    """A test client logged in as a test admin limited to `tests` tests spread over the ones
    present (access.scopes.set_grants), and those tests."""
    keys = every_test()
    chosen = keys[:: max(1, len(keys) // tests)][:tests]
    user, _ = get_user_model().objects.get_or_create(username=SCOPED_NAME)
    ensure_roles()
    set_grants(user, {TEST_ADMIN: chosen}, source="benchmark")
    client = Client()
    client.force_login(user)
    return client, chosen


def list_scenarios(keys: list[str] | None = None) -> list[tuple[str, str]]:
    """(name, query string) of the list views people use, built from the data present (the
    one-test view picks one of `keys`, of every test by default)."""
    keys = every_test() if keys is None else keys
    some_key = keys[len(keys) // 2] if keys else "none"
    return [
        ("newest first (the default)", ""),
        ("riskiest first (trust score)", "o=trust"),
        ("by candidate name", "o=candidate"),
        ("longest first (duration)", "o=-duration"),
        ("most violations first", "o=-violations"),
        ("one test, riskiest first", f"lookup_key={some_key}&o=trust"),
        ("below the review threshold, riskiest first", "below_threshold=on&o=trust"),
        ("trust 40-60 %, most violations first", "trust_min=40&trust_max=60&o=-violations"),
        ("trust 40-60 %, fewest violations first", "trust_min=40&trust_max=60&o=violations"),
        ("trust 90-100 %, most violations first", "trust_min=90&o=-violations"),
        ("only in progress, newest first", "in_progress=on"),
        ("only in progress, by trust score", "in_progress=on&o=trust"),
        ("evidence still processing", "evidence_status=processing"),
        ("with a tab switch, riskiest first", "violation=tab-switch&o=trust"),
        ("search for a name", "q=Nowak"),
        ("search for an attempt id", "q=000123"),
        ("page 2 of riskiest first", "o=trust&next=1"),
    ]


@dataclass
class PageTimes:
    name: str
    query: str
    seconds: list[float] = field(default_factory=list)
    sql_seconds: list[float] = field(default_factory=list)
    queries: int = 0
    main_sql: str = ""
    count_sql: str = ""
    rows_on_page: int = 0


def _get(client: Client, url: str):
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return elapsed, response


def _resolve(client: Client, query: str) -> str | None:
    """The URL of a scenario; `next=1` follows the first page's Next link (None when the rows
    fill one page: a scoped user's few rows in a small table)."""
    if "next=1" not in query:
        return f"/attempts/?{query}"
    first = query.replace("&next=1", "").replace("next=1", "")
    _, response = _get(client, f"/attempts/?{first}")
    found = NEXT_LINK.search(response.content.decode())
    if not found:
        return None
    return "/attempts/" + html.unescape(found.group(1))


def list_page_times(
    client: Client, repeats: int, scenarios: list[tuple[str, str]] | None = None
) -> list[PageTimes]:
    results = []
    for name, query in list_scenarios() if scenarios is None else scenarios:
        url = _resolve(client, query)
        if url is None:
            continue
        times = PageTimes(name, url.removeprefix("/attempts/"))
        _get(client, url)  # warm: a first request also fills the connection's caches
        for _ in range(repeats):
            elapsed, _ = _get(client, url)
            times.seconds.append(elapsed)
        with CaptureQueriesContext(connection) as captured:
            _, response = _get(client, url)
        times.queries = len(captured)
        times.rows_on_page = len(REPORT_LINK.findall(response.content.decode()))
        statements = [query["sql"] for query in captured.captured_queries]
        times.main_sql = _main_list_query(captured.captured_queries)
        times.count_sql = next((sql for sql in statements if sql.startswith("SELECT COUNT(*)")), "")
        for _ in range(repeats):
            times.sql_seconds.append(_replay(statements))
        results.append(times)
    return results


# The start of the page's rows query: one SELECT, or a UNION ALL of one per test.
PAGE_ROWS = ('SELECT "proctoring_attempt"."id"', '(SELECT "proctoring_attempt"."id"')


def _main_list_query(captured: list[dict]) -> str:
    """The page's own query (the slowest, when a page straddles two segments: see
    dashboard.pagination): the sorted, limited SELECT of attempts (a UNION ALL of one per
    test for a user limited to a few tests)."""
    reads = [
        query
        for query in captured
        if query["sql"].startswith(PAGE_ROWS) and " ORDER BY " in query["sql"]
    ]
    return max(reads, key=lambda query: float(query["time"]))["sql"] if reads else ""


def _replay(statements: list[str]) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()
    return time.perf_counter() - started


def explain(sql: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one captured statement, as PostgreSQL prints it."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def summary(seconds: list[float]) -> tuple[float, float]:
    """(p50, p95) in milliseconds."""
    return median(seconds) * 1000, percentile(seconds, 0.95) * 1000


def views_table(times: list[PageTimes]) -> str:
    """The list views' figures as a Markdown table, one row per view."""
    rows = []
    for page in times:
        p50, p95 = summary(page.seconds)
        sql50, _ = summary(page.sql_seconds)
        rows.append(
            [
                page.name,
                f"`{page.query or '(none)'}`",
                f"{p50:.0f}",
                f"{p95:.0f}",
                f"{sql50:.0f}",
                str(page.queries),
                str(page.rows_on_page),
            ]
        )
    header = ["view", "query", "p50 ms", "p95 ms", "bare SQL p50 ms", "queries", "rows"]
    return "\n".join(table(header, rows))


# Why each query of a list page is there, by the start of its SQL (the first match names it).
QUERY_REASONS = [
    ('SELECT "django_session"', "the session: who is asking"),
    ('SELECT "auth_user"', "the user of the session"),
    (
        'SELECT m."group_id"',
        "roles, their permissions and test scopes, and permissions given directly: every "
        "permission check and the scope filter of the page (access.grants_query), one query",
    ),
    (
        '(SELECT "auth_group"',
        "roles, their permissions and test scopes, and permissions given directly: every "
        "permission check and the scope filter of the page (access.scopes), one query",
    ),
    ('SELECT "auth_group"', "roles, permissions and test scopes (access.scopes)"),
    ('SELECT "django_content_type"', "permissions given directly (Django's model backend)"),
    ("WITH RECURSIVE found0", "every filter's choices: tests, labels, statuses, reviewers"),
    ("(SELECT DISTINCT", "the tests and reviewers of a user limited to some tests"),
    (
        'SELECT "proctoring_attempt"."id"',
        "the page's rows, with their review and their test's review threshold (subqueries)",
    ),
    (
        '(SELECT "proctoring_attempt"."id"',
        "the page's rows, with their review and threshold, read test by test (a user limited "
        "to a few tests)",
    ),
    ("SELECT COUNT(*)", 'how many match, counted up to 10,001 ("more than 10,000")'),
    ('SELECT "review_reasonpreset"', "the bulk verdict's common reasons (reviewers only)"),
    ("BEGIN", "the session's expiry pushed forward (at most once a minute)"),
    ('UPDATE "django_session"', "the session's expiry pushed forward (at most once a minute)"),
    ("COMMIT", "the session's expiry pushed forward (at most once a minute)"),
]


def query_reasons(client: Client, url: str) -> str:
    """The queries of one list page, in order, each with why it is needed (Markdown)."""
    _get(client, url)
    with CaptureQueriesContext(connection) as captured:
        _get(client, url)
    rows = []
    for number, query in enumerate(captured.captured_queries, 1):
        sql = query["sql"]
        reason = next((why for start, why in QUERY_REASONS if sql.startswith(start)), "?")
        rows.append([str(number), f"`{sql[:60]}…`", reason])
    return "\n".join(table(["#", "SQL", "why it is needed"], rows))
