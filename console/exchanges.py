"""The HTTP exchanges the console shows: what the client's observer saw, secret masked.

Every HTTP attempt of a console call (retries included) is recorded by a Recorder and shown as
a ShownExchange: the query and headers as rows, signature values tagged, bodies pretty-printed
and cut at MAX_SHOWN_BODY, and every trace of the client secret replaced.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings

from autoproctor import Exchange
from autoproctor.signing import Secret
from autoproctor.wire import SIGNATURE_PARAMS
from console.signature import HIDDEN

# Characters of a body the page shows; the rest is cut with a note.
MAX_SHOWN_BODY = 200_000


class Recorder:
    """The client's observer: keeps every exchange, and hands them out step by step."""

    def __init__(self):
        self.exchanges: list[Exchange] = []
        self._handed_out = 0

    def __call__(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)

    def take(self) -> list[Exchange]:
        """The exchanges recorded since the last take()."""
        new = self.exchanges[self._handed_out :]
        self._handed_out = len(self.exchanges)
        return new


@dataclass(frozen=True)
class Row:
    name: str
    value: str
    is_signature: bool = False


@dataclass(frozen=True)
class ShownExchange:
    """One HTTP attempt as the page shows it, with any trace of the secret masked."""

    method: str
    url: str
    query: list[Row]
    request_headers: list[Row]
    request_body: str
    status: int | None
    reason: str
    elapsed_ms: float
    response_headers: list[Row]
    response_body: str
    body_is_json: bool
    body_cut: bool
    error: str | None

    @property
    def status_class(self) -> str:
        return "none" if self.status is None else f"{self.status // 100}xx"


def _pretty(text: str) -> tuple[str, bool]:
    """JSON indented for reading (True), or the text as it came (False)."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False), True
    except ValueError:
        return text, False


def show(exchange: Exchange, hidden: Iterable[str] = ()) -> ShownExchange:
    """The exchange for the page: the secret masked, and each of `hidden` (an attempt id's
    signature the page must not show) replaced."""
    secret = Secret(settings.AUTOPROCTOR_CLIENT_SECRET)
    hidden = [value for value in hidden if value]

    def scrub(text: str) -> str:
        text = secret.scrub(text)
        for value in hidden:
            text = text.replace(value, HIDDEN)
        return text

    signature_header = settings.AUTOPROCTOR_USAGE_HEADERS[2].lower()
    parts = urlsplit(exchange.url)
    body, is_json = _pretty(exchange.response_text)
    request_body = _pretty(exchange.request_body)[0] if exchange.request_body else ""
    try:
        reason = HTTPStatus(exchange.status).phrase if exchange.status else ""
    except ValueError:
        reason = ""
    return ShownExchange(
        method=exchange.method,
        url=scrub(exchange.url),
        query=[
            Row(name, scrub(value), name in SIGNATURE_PARAMS)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ],
        request_headers=[
            Row(name, scrub(str(value)), name.lower() == signature_header)
            for name, value in exchange.request_headers.items()
        ],
        request_body=scrub(request_body),
        status=exchange.status,
        reason=reason,
        elapsed_ms=exchange.elapsed_ms,
        response_headers=[
            Row(name, scrub(str(value))) for name, value in exchange.response_headers.items()
        ],
        response_body=scrub(body[:MAX_SHOWN_BODY]),
        body_is_json=is_json,
        body_cut=len(body) > MAX_SHOWN_BODY,
        error=scrub(exchange.error) if exchange.error else None,
    )
