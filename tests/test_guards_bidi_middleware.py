"""Every HTML page leaves with each bidirectional control shown as a visible escape, its length
header kept true; other responses pass unchanged (dashboard/bidi.py, BidiEscapeMiddleware)."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.test import RequestFactory

from dashboard.bidi import BidiEscapeMiddleware, escape_bidi

NAME = "Ann\u202eexe.txt"


def through_middleware(response):
    return BidiEscapeMiddleware(lambda request: response)(RequestFactory().get("/"))


def test_an_html_page_shows_the_control_as_an_escape_with_its_length_kept_true():
    response = HttpResponse(f"<p>{NAME}\u2066</p>", content_type="text/html; charset=utf-8")
    response["Content-Length"] = str(len(response.content))
    shown = through_middleware(response)
    assert shown.content == b"<p>Ann&lt;U+202E&gt;exe.txt&lt;U+2066&gt;</p>"
    assert shown["Content-Length"] == str(len(shown.content))


def test_an_html_page_without_a_length_header_gets_none():
    response = HttpResponse(f"<p>{NAME}</p>", content_type="text/html")
    assert not through_middleware(response).has_header("Content-Length")


def test_other_responses_pass_unchanged():
    text = HttpResponse(NAME, content_type="text/plain")
    assert through_middleware(text).content == NAME.encode()
    streamed = StreamingHttpResponse(iter([NAME.encode()]), content_type="text/html")
    assert b"".join(through_middleware(streamed).streaming_content) == NAME.encode()
    not_modified = HttpResponseNotModified()  # no Content-Type at all
    assert through_middleware(not_modified) is not_modified


def test_direction_marks_are_left_alone():
    page = "<p>\u200fسارة\u200e</p>"
    assert through_middleware(HttpResponse(page, content_type="text/html")).content == page.encode()
    assert escape_bidi("a\u202ab\u2069") == "a<U+202A>b<U+2069>"
