"""Sending one logical request: timeouts, bounded retries with back-off, and the observer.

A request is described by a `build` function that is called again for every attempt, so a
retried request carries a fresh timestamp and signature. Connection errors, timeouts, 429 and
5xx are retried with exponential back-off and full jitter (429/503 honour Retry-After, capped);
when the retries run out the matching AutoProctorError is raised. Everything else is returned
to the caller, which knows what a 4xx means for its endpoint.
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import extract_cookies_to_jar
from requests.hooks import default_hooks
from requests.structures import CaseInsensitiveDict

from . import pre_encoded, redirects
from .errors import RateLimited, RequestRejected, ServerError, Unreachable
from .signing import Secret

logger = logging.getLogger("autoproctor")

# The observer sees at most this much of a response body.
MAX_RECORDED_TEXT = 1_000_000
# Connection errors worth another try; anything else from requests is a bug or a bad URL.
RETRYABLE_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)

# A URL made only of these characters needs no encoding: requests would send it unchanged.
PLAIN_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")

# "[Errno 111] Connection refused" out of requests' long wrapped messages.
ERRNO_TEXT = re.compile(r"\[Errno -?\d+\][^'\")]*")


@dataclass(frozen=True)
class Exchange:
    """One HTTP attempt as it happened, for the API console. Holds no secret: none is sent."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int | None
    elapsed_ms: float
    response_headers: dict[str, str] = field(default_factory=dict)
    response_text: str = ""
    error: str | None = None


@dataclass(frozen=True)
class Call:
    """One logical request. `build()` returns (url, headers, body) and is called per attempt."""

    endpoint: str  # e.g. "results": names the call in messages and logs
    method: str
    build: Callable[[], tuple[str, dict[str, str], bytes | None]]
    stream: bool = False
    # A streamed answer no longer than this (by its Content-Length) is read at once, so the
    # observer sees it; a longer one, or one of unknown length, is left to the caller's stream.
    read_up_to: int = 0


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def read_at_once(call: Call, response: requests.Response) -> bool:
    """True for a streamed answer short enough to be read whole (see Call.read_up_to)."""
    length = response.headers.get("Content-Length", "")
    return length.isdigit() and int(length) <= call.read_up_to


class Transport:
    def __init__(
        self,
        *,
        secret: Secret,
        timeout: float,
        max_retries: int,
        backoff_base: float,
        backoff_cap: float,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        observer: Callable[[Exchange], None] | None,
        session: requests.Session | None = None,
        rng: random.Random | None = None,
    ):
        self.secret = secret
        # Connecting should be quick; reading may legitimately take the whole timeout.
        self.timeout = (min(10.0, timeout), timeout)
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.clock = clock
        self.sleep = sleep
        self.observer = observer
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        # A session of our own reads the environment once per host (see _environment); a
        # session passed in keeps its own settings.
        self._environment_by_host: dict[str, dict] | None = None if session else {}
        self.session = session or self._new_session()
        # Told (endpoint, status or None, elapsed ms, Retry-After s) of every HTTP attempt, e.g.
        # by the evidence pass's adaptive concurrency; cheaper than an observer's Exchange.
        self.listeners: list[Callable[[str, int | None, float, float | None], None]] = []
        pre_encoded.install()  # urllib3 then sends our encoded URLs without re-encoding them

    def size_pool(self, connections: int) -> None:
        """Keep up to `connections` alive per host, so that many concurrent calls reuse their
        connections instead of opening new ones (the default keeps 16)."""
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(16, connections), max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    @staticmethod
    def _new_session() -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # read once per host instead: see _environment
        # Retries are ours (they re-sign); urllib3's would replay a stale signature.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.headers["User-Agent"] = "proctoring-dashboard"
        session.headers["Accept"] = "application/json"
        return session

    def send(self, call: Call) -> requests.Response:
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            url, headers, body = call.build()
            started = time.monotonic()
            try:
                response = self._request(call.method, url, headers, body, call.stream)
                response = self._follow_redirects(call, url, headers, body, response, started)
            except RETRYABLE_ERRORS as error:
                elapsed = (time.monotonic() - started) * 1000
                reason = self._describe(error)
                self._observe(call, url, headers, body, None, elapsed, error=reason)
                self._tell(call.endpoint, None, elapsed, None)
                logger.debug(
                    "%s %s (%s) failed after %d ms: %s",
                    call.method,
                    host_of(url),
                    call.endpoint,
                    elapsed,
                    reason,
                )
                if attempt == attempts:
                    raise Unreachable(
                        f"Could not reach {host_of(url)} for the AutoProctor {call.endpoint} call "
                        f"after {attempts} attempts ({reason}). Check this server's network, "
                        "proxy and firewall, and AUTOPROCTOR_BASE_URL.",
                        endpoint=call.endpoint,
                    ) from None
                self._wait(call, attempt, attempts, self._backoff(attempt), reason)
                continue

            elapsed = (time.monotonic() - started) * 1000  # redirects followed included
            status = response.status_code
            if status != 429 and status < 500:
                self._tell(call.endpoint, status, elapsed, None)
                return response
            retry_after = self._retry_after(response)
            self._tell(call.endpoint, status, elapsed, retry_after)
            response.close()
            if attempt == attempts:
                raise self._gave_up(call, status, attempts, retry_after)
            delay = self._backoff(attempt)
            if retry_after is not None:
                delay = min(retry_after, self.backoff_cap)
            self._wait(call, attempt, attempts, delay, f"HTTP {status}")
        raise AssertionError("unreachable")  # pragma: no cover

    def _follow_redirects(self, call: Call, url: str, headers, body, response, started: float):
        """Observe the answer and, for an unsigned download, follow its redirects hop by hop
        (each one checked by redirects.next_hop and observed as an exchange of its own)."""
        first_url = url
        for hops in range(redirects.MAX_HOPS + 1):
            elapsed = (time.monotonic() - started) * 1000
            if call.stream and read_at_once(call, response):
                response.content  # noqa: B018 - read into response.content
            self._observe(call, url, headers, body, response, elapsed)
            logger.debug(
                "%s %s (%s) -> %s in %d ms",
                call.method,
                host_of(url),
                call.endpoint,
                response.status_code,
                elapsed,
            )
            try:
                target = redirects.next_hop(call.endpoint, first_url, response, hops)
            except RequestRejected:
                response.close()
                raise
            if target is None:
                return response
            response.close()
            # Only unsigned downloads get here: their headers carry nothing of ours.
            url, body, started = target, None, time.monotonic()
            response = self._request("GET", url, headers, None, call.stream)
        raise AssertionError("unreachable")  # pragma: no cover

    def _request(self, method: str, url: str, headers, body, stream: bool) -> requests.Response:
        """One HTTP exchange, redirects not followed (redirects.py follows them).

        On our own session, a URL that needs no encoding, to a host reached without a proxy, is
        sent straight to the session's urllib3 adapter, the request prepared here: requests'
        Session.request merges settings, cookies and hooks and parses and re-encodes the URL on
        every call, which was most of the evidence pass's CPU (benchmarks/HISTORY.md). What is
        sent is the same (the session's headers and cookies with the call's, the body, the CA
        bundle, the adapter's pool, its timeouts and its zero retries) and so are the answer and
        requests' exceptions. A passed session, a proxied host, or any other URL goes through
        requests as usual."""
        environment = self._environment(url)
        if not environment.get("light") or not self._plain(url):
            return self.session.request(
                method,
                url,
                headers=headers,
                data=body,
                timeout=self.timeout,
                stream=stream,
                allow_redirects=False,  # see redirects.py
                proxies=environment.get("proxies"),
                verify=environment.get("verify"),
            )
        session = self.session
        prepared = requests.PreparedRequest()
        prepared.method = method
        prepared.url = url
        prepared.headers = CaseInsensitiveDict(session.headers)
        prepared.headers.update(headers)
        prepared.hooks = default_hooks()
        prepared.body = body
        prepared.prepare_content_length(body)
        if session.cookies:
            prepared.prepare_cookies(session.cookies)
        adapter = session.get_adapter(url)
        # Plain HTTP with no proxy has no TLS: a CA bundle path would only make requests look
        # at the file system on every call to tell a bundle from a directory of certificates.
        verify = environment["verify"] if url.startswith("https:") else True
        response = adapter.send(
            prepared, stream=stream, timeout=self.timeout, verify=verify, proxies={}
        )
        if "Set-Cookie" in response.headers:
            extract_cookies_to_jar(session.cookies, prepared, response.raw)
        if not stream:
            response.content  # noqa: B018 - read now, as requests does unless streaming
        return response

    @staticmethod
    def _plain(url: str) -> bool:
        """True if requests would send this URL unchanged: no character to encode, and any
        percent escape one requests keeps as it is (it decodes escaped unreserved ones)."""
        return PLAIN_URL.fullmatch(url) is not None and (
            "%" not in url or requests.utils.requote_uri(url) == url
        )

    def _backoff(self, attempt: int) -> float:
        """Full jitter: a random delay up to base * 2^(attempt-1), never above the cap."""
        return self.rng.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))

    def _wait(self, call: Call, attempt: int, attempts: int, delay: float, reason: str) -> None:
        logger.warning(
            "AutoProctor %s call: %s, retrying in %.1f s (attempt %d of %d)",
            call.endpoint,
            reason,
            delay,
            attempt + 1,
            attempts,
        )
        self.sleep(delay)

    def _environment(self, url: str) -> dict:
        """The proxy (HTTPS_PROXY, NO_PROXY, ...) and CA bundle (REQUESTS_CA_BUNDLE,
        CURL_CA_BUNDLE) settings for this URL's host, read from the environment the first time
        the host is called. requests would read them again on every call, walking the whole
        environment twice and looking for a .netrc file, a large share of the evidence pass's CPU
        (benchmarks/HISTORY.md, fix 7). (.netrc is not read at all: our calls are signed.)"""
        if self._environment_by_host is None:
            return {}
        host = host_of(url)
        settings = self._environment_by_host.get(host)
        if settings is None:
            verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            proxies = requests.utils.get_environ_proxies(url)
            settings = {
                "proxies": proxies,
                "verify": verify or True,
                # The light path of _request: no proxy, and no user:password@ for requests to
                # turn into an Authorization header.
                "light": not proxies and "@" not in urlsplit(url).netloc,
            }
            self._environment_by_host[host] = settings
        return settings

    def _retry_after(self, response: requests.Response) -> float | None:
        """Retry-After as seconds from now: either a number of seconds or an HTTP date."""
        value = response.headers.get("Retry-After", "").strip()
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return max(0.0, (moment - datetime.fromtimestamp(self.clock(), UTC)).total_seconds())

    def _gave_up(self, call: Call, status: int, attempts: int, retry_after: float | None):
        if status == 429:
            wait = f" It asked to wait {retry_after:g} s." if retry_after is not None else ""
            return RateLimited(
                f"AutoProctor rate-limited the {call.endpoint} call (429) on all {attempts} "
                f"attempts.{wait} Sync less often or try again later.",
                endpoint=call.endpoint,
                status=status,
                retry_after=retry_after,
            )
        return ServerError(
            f"AutoProctor answered the {call.endpoint} call with a server error ({status}) on "
            f"all {attempts} attempts. This is on AutoProctor's side: try again later, and "
            "check AutoProctor's status if it persists.",
            endpoint=call.endpoint,
            status=status,
        )

    def _describe(self, error: Exception) -> str:
        """A short reason, e.g. "connection failed: [Errno 111] Connection refused"."""
        if isinstance(error, requests.ConnectTimeout):
            return f"no connection within {self.timeout[0]:g} s"
        if isinstance(error, requests.Timeout):
            return f"no answer within {self.timeout[1]:g} s"
        if isinstance(error, requests.exceptions.ChunkedEncodingError):
            return "the connection broke off mid-answer"
        text = str(error)
        cause = ERRNO_TEXT.search(text)
        if cause:
            reason = cause.group(0).strip()
        elif "Connection aborted" in text or "RemoteDisconnected" in text:
            reason = "the server closed the connection without answering"
        else:
            reason = type(error).__name__
        return self.secret.scrub(f"connection failed: {reason}")

    def _tell(self, endpoint, status, elapsed, retry_after) -> None:
        for listener in self.listeners:
            try:
                listener(endpoint, status, elapsed, retry_after)
            except Exception:  # a listener's bug must not break a sync
                logger.exception("AutoProctor call listener failed")

    def _observe(self, call, url, headers, body, response, elapsed, error=None) -> None:
        if self.observer is None:
            return
        text = ""
        if response is not None and (not call.stream or read_at_once(call, response)):
            # Masked before it is cut, so no part of a secret that straddles the cut is kept.
            text = self.secret.scrub(response.text)[:MAX_RECORDED_TEXT]
        exchange = Exchange(
            method=call.method,
            url=url,
            request_headers={**self.session.headers, **headers},
            request_body=body.decode("utf-8", "replace") if body else None,
            status=None if response is None else response.status_code,
            elapsed_ms=round(elapsed, 1),
            response_headers={} if response is None else dict(response.headers),
            response_text=text,
            error=error,
        )
        try:
            self.observer(exchange)
        except Exception:  # an observer's bug must not break a sync
            logger.exception("AutoProctor exchange observer failed")
