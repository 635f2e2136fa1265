"""No malformed input is a server error: every GET parameter and POST field of every URL, each
sent a few dozen hostile values, must be answered with a page, a redirect or a 4xx, never a
500. Runs on whichever database DATABASE_URL names (the suite runs once on each): the SQLite
pass sends every value, the PostgreSQL pass the values the two databases store or compare
differently (`DIFFERS_BY_DATABASE`); the others are plain text both take as it is, or values
the same Python turns away before any query, whichever database is behind it.

The parameters are discovered, not listed: every page is rendered as a test admin and its
forms' fields and its links' query parameters are collected, together with the names the
views read from request.GET / request.POST, so a new field is fuzzed without touching this file.
"""

from __future__ import annotations

import base64
import importlib
import inspect
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import NoReverseMatch, resolve, reverse

from candidates import services as candidate_services
from console import ratelimit as console_ratelimit
from dashboard.columns import SORT_COLUMNS as COLUMNS
from retention.models import LegalHold
from tests.fixtures.data import make_attempts, make_records, make_usage
from tests.fixtures.personas import logged_in
from tests.url_ids import path_arguments, reverse_with

pytestmark = pytest.mark.django_db

PROJECT_PACKAGES = {"dashboard", "proctoring", "retention", "notifications"}
HOSTILE = [
    "",
    " ",
    "²",
    "٣",
    "１",
    "-1",
    "0",
    "1.5",
    "1e309",
    "nan",
    "-inf",
    "9" * 25,
    "-" + "9" * 25,
    "\x00",
    "a\x00b",
    "%00",
    "\u202eevil",
    "😀",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    ".",
    "..",
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "2026-02-30",
    "2026-13-01T25:61",
    "1970-01-01T00:00:00+99:00",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00+14:00",
    "true",
    "[]",
    "{}",
    "null",
    "0x10",
    "+1",
    "1,2",
    "a" * 5000,
    "__proto__",
    "-",
    "~",
]
# Where SQLite and PostgreSQL part ways: NUL (PostgreSQL refuses it in text), integers beyond
# 64 bits, infinities and NaN, dates at the calendar's edges and offsets that push them over,
# characters outside the BMP and bidi controls (encodings, collations), and text longer than a
# column (PostgreSQL enforces max_length, SQLite does not).
DIFFERS_BY_DATABASE = [
    value
    for value in HOSTILE
    if "\x00" in value
    or "%00" in value
    or len(value) > 255
    or value.lstrip("-").startswith("9" * 25)
    or value.lower() in {"1e309", "nan", "-inf"}
    or value[:1].isdigit()
    and "-" in value
    or any(ord(character) > 0xFFFF or character == "\u202e" for character in value)
]
MAX_CRAWLED = 200


def hostile_values() -> list[str]:
    """Every hostile value on SQLite; on PostgreSQL those it treats differently (see above)."""
    return DIFFERS_BY_DATABASE if connection.vendor == "postgresql" else HOSTILE


# Names views read from request.GET / request.POST by hand (forms and links give the rest).
READ_BY_HAND = re.compile(r"""(?:GET|POST|data)\.get(?:list)?\(\s*["'](\w+)["']""")


class Fields(HTMLParser):
    """Form fields (by form action and method) and link query parameters of one page."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.found: list[tuple[str, str, str]] = []  # (path, method, name)
        self.links: set[str] = set()
        self.form: tuple[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = urlsplit(attrs.get("action") or self.page_path).path or self.page_path
            self.form = (action, (attrs.get("method") or "get").upper())
        elif tag in ("input", "select", "textarea", "button") and self.form and attrs.get("name"):
            self.found.append((*self.form, attrs["name"]))
        elif tag == "a" and attrs.get("href", "").startswith(("/", "?")):
            href = urlsplit(attrs["href"])
            path = href.path or self.page_path
            self.links.add(f"{path}?{href.query}")
            for name, _ in parse_qsl(href.query, keep_blank_values=True):
                self.found.append((path, "GET", name))

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None


def url_paths() -> list[str]:
    """Every URL of the product (Django's admin aside), with real ids in its path."""
    ids = path_ids()
    return sorted({reverse_with(name, ids) for name in path_arguments()})


def path_ids() -> dict:
    """Real rows for every URL's path arguments, by argument name."""
    attempts = make_attempts(3)
    records = make_records(attempts[0], "tab-switch", "noise-detected")
    make_usage()
    hold = LegalHold.objects.create(lookup_key="maths-101", reason="audit", placed_by_name="bob")
    ids = {
        "hold_id": hold.pk,
        "attempt_id": attempts[0].pk,
        "first_id": attempts[0].pk,
        "second_id": attempts[1].pk,
        "change_id": 1,
        "lookup_key": attempts[0].lookup_key or "maths-101",
        "record_id": records[0].pk,
        "uidb64": "MQ",
        "token": "set-password",
    }
    return ids


def by_hand(path: str) -> set[str]:
    """The names read by hand in the module of the view behind `path` and in the project
    modules it imports (filters, pagination, forms)."""
    module = importlib.import_module(resolve(path).func.__module__)
    sources = [Path(inspect.getfile(module))]
    for value in vars(module).values():
        owner = inspect.getmodule(value)
        if owner and owner.__name__.split(".")[0] in PROJECT_PACKAGES:
            sources.append(Path(inspect.getfile(owner)))
    names = set()
    for source in set(sources):
        names.update(READ_BY_HAND.findall(source.read_text()))
    return names


def discover(client: Client) -> dict[tuple[str, str], set[str]]:
    """{(path, method): field names} over every URL: each page is rendered, then each link it
    has to a page of ours (tabs, sorting, paging), then each page with its known parameters
    set (so links that carry the filters, like the CSV export's, show them too)."""
    paths = url_paths()
    fields: dict[tuple[str, str], set[str]] = {(path, "GET"): set() for path in paths}
    links: set[str] = set()

    def render(url: str) -> None:
        response = send_raw(client, url)
        if response is None or "html" not in response.get("Content-Type", ""):
            return
        parser = Fields(urlsplit(url).path)
        parser.feed(response.content.decode())
        for found_path, method, name in parser.found:
            if found_path in paths:
                fields.setdefault((found_path, method), set()).add(name)
        links.update(link for link in parser.links if urlsplit(link).path in paths)

    for path in paths:
        render(path)
    for link in sorted(links)[:MAX_CRAWLED]:
        render(link)
    for path in paths:
        render(f"{path}?{urlencode(dict.fromkeys(sorted(fields[(path, 'GET')]), '1'))}")
    for path in paths:
        hand = by_hand(path)
        fields[(path, "GET")] |= hand
        fields.setdefault((path, "POST"), set()).update(hand)
    # A method the URL refuses (405) is refused before any parameter is read.
    return {
        (path, method): names
        for (path, method), names in fields.items()
        if send(client, method, path, {}) != 405
    }


def send_raw(client: Client, url: str):
    try:
        return client.get(url)
    except Exception:  # found again, and reported, by the fuzzing itself
        return None


@pytest.fixture
def fuzzing(test_admin, simulator, monkeypatch, settings):
    """A test admin's client, with the console pointed at a real simulator and no per-minute
    limits (which would turn every later request into a 429 and hide what comes after it)."""
    monkeypatch.setattr(console_ratelimit, "REQUESTS_PER_MINUTE", 10**9)
    settings.CANDIDATE_LINK_REQUESTS_PER_MINUTE = 10**9
    cache.clear()
    client = logged_in(test_admin)
    client.raise_request_exception = True
    client.fuzzing_user = test_admin
    return client


def send(client: Client, method: str, path: str, data: dict) -> int | str:
    """The status of one request, or the exception the view raised (a 500 in production)."""
    try:
        # A savepoint per request, as production has a transaction per request: on PostgreSQL
        # one failed statement would otherwise fail every later request of the test.
        with transaction.atomic():
            if method == "GET":
                status = client.get(f"{path}?{urlencode(data)}").status_code
            else:
                status = client.post(path, data).status_code
    except Exception as error:  # the test client re-raises what the view raised
        status = f"{type(error).__name__}: {str(error)[:120]}"
    if path.startswith("/accounts/"):  # log-out, log-in and password pages end the session
        client.force_login(client.fuzzing_user)
    return status


def server_error(status: int | str) -> bool:
    """500 or an exception; 502/503/504 name an upstream (AutoProctor) problem on purpose."""
    return not isinstance(status, int) or status == 500


def test_no_malformed_parameter_is_a_server_error(fuzzing):
    failures = []
    for (path, method), names in sorted(discover(fuzzing).items()):
        for name in sorted(names):
            for value in hostile_values():
                status = send(fuzzing, method, path, {name: value})
                if server_error(status):
                    failures.append(f"{method} {path} {name}={value[:30]!r}: {status}")
        # Every field at once, as a form would send them, with the same values.
        for value in hostile_values():
            status = send(fuzzing, method, path, dict.fromkeys(names, value))
            if server_error(status):
                failures.append(f"{method} {path} (all fields)={value[:30]!r}: {status}")
    assert failures == [], f"{len(failures)} server errors:\n" + "\n".join(failures[:60])


@pytest.mark.parametrize("number", ["9" * 25, "0", "00000000000000000001"])
def test_no_id_in_a_path_is_a_server_error(fuzzing, number):
    paths = [path for path in url_paths() if re.search(r"/\d+/", path)]
    failures = []
    for path in paths:
        broken = re.sub(r"/\d+/", f"/{number}/", path)
        for method in ("GET", "POST"):
            status = send(fuzzing, method, broken, {})
            if server_error(status):
                failures.append(f"{method} {broken}: {status}")
    assert failures == []


MARKERS = ("zz-segment-zz", 987654321)


def with_marker(name: str, ids: dict, argument: str) -> tuple[str, str]:
    """URL `name` with `argument` set to a marker the path converter accepts, and the marker
    as it appears in the path."""
    for marker in MARKERS:
        try:
            return reverse_with(name, {**ids, argument: marker}), str(marker)
        except NoReverseMatch:
            continue
    raise AssertionError(f"No marker fits {name}'s {argument}")


def test_no_hostile_path_segment_is_a_server_error(fuzzing):
    """Every path argument of every URL, each sent the hostile values (percent-encoded, a
    slash left as it is), GET and POST."""
    ids = path_ids()
    failures = []
    for name, arguments in sorted(path_arguments().items()):
        for argument in sorted(arguments):
            path, marker = with_marker(name, ids, argument)
            for value in hostile_values():
                broken = path.replace(marker, quote(value, safe="/"), 1)
                for method in ("GET", "POST"):
                    status = send(fuzzing, method, broken, {})
                    if server_error(status):
                        failures.append(f"{method} {broken[:80]} ({name}): {status}")
    assert failures == [], f"{len(failures)} server errors:\n" + "\n".join(failures[:60])


def cursor(value, pk) -> str:
    return base64.urlsafe_b64encode(json.dumps([value, pk]).encode()).decode().rstrip("=")


CRAFTED_CURSORS = [
    cursor("a\x00b", 1),
    cursor("\ud800", 1),
    cursor("x", 10**25),
    cursor(10**25, 1),
    cursor(-(10**25), 1),
    cursor(1e308 * 10, 1),
    cursor("9999-12-31T23:59:59+00:00", 1),
    cursor("0001-01-01T00:00:00-23:59", 1),
    cursor(["list"], 1),
    cursor({"a": 1}, 1),
    cursor(True, 1),
    cursor(10**30, 10**30),
]


@pytest.mark.parametrize("sort", [f"{d}{key}" for key in COLUMNS for d in ("", "-")])
def test_no_crafted_pagination_cursor_is_a_server_error(fuzzing, sort):
    make_attempts(3)
    failures = []
    for token in CRAFTED_CURSORS:
        for direction in ("after", "before"):
            for path in ("/attempts/", "/review/"):
                status = send(fuzzing, "GET", path, {"o": sort, direction: token})
                if server_error(status):
                    failures.append(f"{path} o={sort} {direction}={token}: {status}")
    assert failures == []


def test_no_hostile_response_or_token_is_a_server_error(fuzzing, test_admin):
    """The candidate's pages, as a candidate (no login) would reach them: the response field
    and the token in the path, each sent every hostile value; a link answered at most once."""
    candidate = Client(raise_request_exception=True)
    candidate.fuzzing_user = test_admin
    failures = []
    for value in HOSTILE:
        (attempt,) = make_attempts(1)
        (record,) = make_records(attempt, "tab-switch", s3_path=None)
        _, token = candidate_services.create_link(attempt=attempt, user=test_admin)
        page = reverse("candidate-respond", args=[token])
        for method, path, data in (
            ("POST", page, {"text": value}),
            ("GET", page, {"text": value, "x": value}),
            ("GET", reverse("candidate-evidence", args=[token, record.pk]), {"x": value}),
        ):
            status = send(candidate, method, path, data)
            if server_error(status):
                failures.append(f"{method} {path} {value[:30]!r}: {status}")
        for path in (f"/respond/{quote(value, safe='')}/", f"/respond/{token}{quote(value)}/"):
            for method in ("GET", "POST"):
                status = send(candidate, method, path, {"text": "x"})
                if server_error(status):
                    failures.append(f"{method} {path[:60]}: {status}")
    assert failures == [], "\n".join(failures[:60])
