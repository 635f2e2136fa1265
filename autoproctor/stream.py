"""Reading a results answer as a stream, so an unpaged answer with every attempt (hundreds of MB)
is parsed in bounded memory and handed on in batches.

The answer may be a paged object (`results`, `next`, `count`), an object with `results` and no
`next`, or a bare list (docs/autoproctor-api.md). ijson reads it event by event; each attempt
object is built on its own, and every `batch_size` attempts a ResultsPage is yielded, so the
caller stores them before the next batch is read. A read that breaks part-way (a dropped
connection) is retried from the start, skipping the attempts already handed on.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import IO, Any
from urllib.parse import parse_qsl, urlsplit

import ijson
import requests
import urllib3

from .answers import RESULTS, SIGNED_TIMESTAMP, AnswerReader
from .errors import MalformedResponse, Unreachable
from .scales import FRACTION
from .storable import EscapeWatch, storable
from .transport import Call, Transport
from .values import ResultsPage, page_scale, parse_attempt_list

logger = logging.getLogger("autoproctor")

ITEM_PREFIXES = ("item", "results.item")
# The query parameters that sign a tenant-wide call; never carried over from a `next` link.
TIMESTAMP_PARAMS = ("unixTimestamp", "hashedUnixTimestamp")
READ_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    ConnectionError,
    TimeoutError,
)
CHUNK_BYTES = 64 * 1024
# A results answer up to this size is read whole (the API console shows it); longer, streamed.
READ_AT_ONCE = 1_000_000


class Listing:
    """One results answer, read by `pages()`; `next_url` and `total` are known once read."""

    def __init__(
        self,
        open_answer: Callable[[], requests.Response | IO[bytes]],
        retries: int = 2,
        scale: Callable[[], str] = lambda: FRACTION,
    ):
        self._open = open_answer
        self._retries = retries
        self._scale = scale  # the trust scores' scale learned before (scales.score_scale)
        self.next_url: Any = None
        self.total: int | None = None
        self.top_keys: list[str] = []  # the answer's top-level keys, once read

    def pages(
        self, number: int, batch_size: int | None, answers: AnswerReader
    ) -> Iterator[ResultsPage]:
        handed_on = 0
        for attempt in range(self._retries + 1):
            try:
                for page in self._read(number, batch_size, answers, skip=handed_on):
                    handed_on += len(page.attempts) + len(page.problems)
                    yield page
                return
            except READ_ERRORS as error:
                if attempt == self._retries:
                    raise Unreachable(
                        f"AutoProctor's results answer broke off after {handed_on} attempts "
                        f"({type(error).__name__}), {attempt + 1} times. Try again later; if "
                        "it keeps happening, check this server's network and proxy.",
                        endpoint=RESULTS,
                    ) from None
                logger.info(
                    "Results answer broke off after %d attempts; reading it again", handed_on
                )

    def _read(self, number: int, batch_size: int | None, answers: AnswerReader, *, skip: int):
        source = self._open()
        if isinstance(source, requests.Response):
            # Read whole already (short, see Call.read_up_to), or read from the socket now.
            if source._content_consumed:  # requests' own flag: the body is in .content
                stream = io.BytesIO(source.content)
            else:
                stream = source.raw
                stream.decode_content = True
        else:
            stream = source
        stream = self._watch = EscapeWatch(stream)
        try:
            batch: list = []
            seen = 0
            top_keys = self.top_keys = []
            has_results = False
            for item, key in _items(stream, top_keys, self):
                if key == "results":
                    has_results = True
                    continue
                seen += 1
                if seen <= skip:
                    continue
                batch.append(item)
                if batch_size and len(batch) >= batch_size:
                    yield self._page(number, batch)
                    logger.info("Results page %d: %d attempts read so far", number, seen)
                    batch = []
            if top_keys and not has_results:
                raise answers.wrong_shape(
                    RESULTS, dict.fromkeys(top_keys), 'a list or an object with "results"'
                )
            if batch or not seen:
                yield self._page(number, batch)
        except ijson.JSONError:
            if isinstance(source, requests.Response) and source._content_consumed:
                answers.read_json(RESULTS, source, SIGNED_TIMESTAMP)  # raises, saying what it is
            kind = getattr(source, "headers", {}).get("Content-Type", "unknown type")
            raise MalformedResponse(
                f"AutoProctor's answer to the results call is not JSON (Content-Type {kind}). "
                "Check that AUTOPROCTOR_BASE_URL points at AutoProctor's API.",
                endpoint=RESULTS,
            ) from None
        finally:
            if hasattr(source, "close"):
                source.close()

    def _page(self, number: int, items: list) -> ResultsPage:
        # Streamed items never pass through storable.loads: once the text read so far holds an
        # escape it would replace, each item is made storable here.
        if self._watch.seen:
            items = [storable(item) for item in items]
        scale = page_scale(items, self._scale())
        attempts, problems = parse_attempt_list(items, where=f"results page {number}", scale=scale)
        return ResultsPage(
            number=number,
            attempts=attempts,
            problems=problems,
            total=self.total,
            score_scale=scale,
        )


def _items(stream, top_keys: list[str], listing: Listing) -> Iterator[tuple[Any, str | None]]:
    """(attempt object, None) per item of the listing; ({}, "results") when a `results` list
    starts. Top-level keys go to `top_keys`; `next` and `count` to the listing."""
    events = ijson.parse(stream, buf_size=CHUNK_BYTES, use_float=True)
    first = next(events, None)
    if first is None:
        raise ijson.IncompleteJSONError("empty answer")
    _, event, _ = first
    if event not in ("start_map", "start_array"):
        raise MalformedResponse(
            "AutoProctor's answer to the results call has an unexpected shape: expected a list "
            'or an object with "results".',
            endpoint=RESULTS,
        )
    builder, depth = None, 0
    for prefix, event, value in events:
        if builder is not None:
            builder.event(event, value)
            depth += event in ("start_map", "start_array")
            depth -= event in ("end_map", "end_array")
            if depth == 0:
                yield builder.value, None
                builder = None
            continue
        if prefix in ITEM_PREFIXES:
            if event in ("start_map", "start_array"):
                builder, depth = ijson.ObjectBuilder(), 1
                builder.event(event, value)
            else:
                yield value, None  # not an object: parse_attempt reports it
        elif prefix == "" and event == "map_key":
            top_keys.append(value)
        elif prefix == "results" and event == "start_array":
            yield {}, "results"
        elif prefix == "results" and event not in ("end_array",):
            raise MalformedResponse(
                "AutoProctor's answer to the results call has an unexpected shape: "
                '"results" is not a list.',
                endpoint=RESULTS,
            )
        elif prefix == "next" and event in ("string", "null"):
            listing.next_url = value
        elif prefix == "next" and event != "map_key":
            listing.next_url = value if event in ("number", "boolean") else object()
        elif prefix == "count" and event == "number" and float(value).is_integer():
            listing.total = int(value)


def next_page_params(next_url: Any, current: dict, lookup_key: str | None) -> dict:
    """The query of the `next` link without its (soon stale) timestamp and signature."""
    if not isinstance(next_url, str):
        raise MalformedResponse(
            f"AutoProctor's results `next` is {type(next_url).__name__}, not a URL.",
            endpoint=RESULTS,
        )
    query = parse_qsl(urlsplit(next_url).query, keep_blank_values=True)
    params = {key: value for key, value in query if key not in TIMESTAMP_PARAMS}
    unchanged = {k: v for k, v in current.items() if k != "page"} == params
    if "page" not in params and (not params or unchanged):
        params["page"] = str(int(current.get("page", "1")) + 1)
    if lookup_key and "lookupKey" not in params:
        params["lookupKey"] = lookup_key
    return params


def open_streamed(transport: Transport, answers: AnswerReader, call: Call) -> requests.Response:
    """A streamed 2xx answer to a tenant-wide call; the caller reads and closes it."""
    response = transport.send(replace(call, stream=True, read_up_to=READ_AT_ONCE))
    if not 200 <= response.status_code < 300:
        with response:
            response.content  # noqa: B018 - read the error body before the check
            answers.check_status(call.endpoint, response, SIGNED_TIMESTAMP)
    return response
