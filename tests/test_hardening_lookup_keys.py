"""A test's lookup key comes from AutoProctor: whatever it holds (`../`, `/`, `%00`, `..`),
every link to the test's pages stays one path segment and opens that test's page, never
another page (an evidence file, the admin)."""

import html
import re
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from django.urls import resolve, reverse

from tests.fixtures.data import make_attempt

pytestmark = pytest.mark.django_db

HOSTILE_KEYS = [
    "../../admin/",
    "../attempts/1/evidence/2",
    "ENGB2/3+retake",
    "..",
    ".",
    "%00",
    "%2e%2e",
    "100%",
    "a?b#c",
]


def browser_path(page_url: str, href: str) -> str:
    """Where a browser goes from `page_url` following `href`: dot segments removed (also
    the percent-encoded ones, as browsers do), the path still encoded."""
    path = urlsplit(urljoin(page_url, href)).path
    segments = []
    for segment in path.split("/"):
        if segment.lower() in ("..", "%2e%2e", ".%2e", "%2e."):
            segments = segments[:-1]
        elif segment.lower() not in (".", "%2e"):
            segments.append(segment)
    return "/".join(segments)


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_every_link_to_a_tests_pages_reaches_that_test(key, test_admin_client):
    make_attempt(lookup_key=key)
    index = test_admin_client.get(reverse("tests-index")).content.decode()
    hrefs = [html.unescape(href) for href in re.findall(r'href="(/tests/[^"]+)"', index)]
    link = reverse("test-page", args=[key])
    assert link in hrefs

    for name in ("test-page", "test-chart-trust", "test-chart-labels", "test-case-files"):
        href = reverse(name, args=[key])
        path = browser_path("http://testserver/tests/", href)
        assert path == href, f"{key!r}: {href} resolves to {path}"
        match = resolve(unquote(path))
        assert (match.url_name, match.kwargs["lookup_key"]) == (name, key)
    page = test_admin_client.get(link)
    assert page.status_code == 200
    assert html.escape(key) in page.content.decode()


def test_an_address_typed_with_a_raw_slash_still_finds_its_test(test_admin_client):
    make_attempt(lookup_key="ENGB2/3")
    assert test_admin_client.get("/tests/ENGB2/3/").status_code == 200
