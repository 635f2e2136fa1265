"""AutoProctorClient: every call AutoProctor's API offers, returning typed values.

This is the only code that knows AutoProctor's paths, query parameters, signatures and JSON
shapes (see docs/autoproctor-api.md). What the contract only assumes is either a setting
(AUTOPROCTOR_PRESIGN_PATH, AUTOPROCTOR_USAGE_HEADERS) or one of the constants below, so an
account whose API differs needs a change here and nowhere else.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import requests

from .answers import (
    ATTEMPT,
    EVIDENCE,
    EVIDENCE_FILE_URL,
    FILE,
    PRESIGN,
    RESULTS,
    SIGNED_ATTEMPT,
    SIGNED_TIMESTAMP,
    STORAGE,
    USAGE,
    AnswerReader,
)
from .documents import (
    is_web_url,
    read_attempt,
    read_evidence,
    read_evidence_file_url,
    read_presigned,
    read_usage,
)
from .errors import MalformedResponse, NotConfigured
from .forms import CallForms, FormKeeper
from .paths import (
    ATTEMPT_PATH,
    DEFAULT_BASE_URL,
    DEFAULT_PRESIGN_PATH,
    DEFAULT_USAGE_HEADERS,
    EVIDENCE_FILE_URL_PATH,
    USAGE_PATH,
    api_url,
    encode,
)
from .scales import FRACTION, PERCENT
from .signing import Secret, sign
from .stream import Listing, next_page_params, open_streamed
from .tenant import TenantAuth
from .transport import Call, Exchange, Transport
from .values import (
    AttemptData,
    EvidenceBundle,
    PresignedUrl,
    ResultsPage,
    UsageData,
)
from .wire import HASHED_PATH

# A results listing longer than this is a server that keeps saying "next".
MAX_PAGES = 100_000


class AutoProctorClient:
    """Talks to one AutoProctor account. One client (one connection pool) can serve the
    evidence workers' threads: a request keeps no state on the client."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        base_url: str = DEFAULT_BASE_URL,
        presign_path: str = DEFAULT_PRESIGN_PATH,
        usage_headers: Iterable[str] = DEFAULT_USAGE_HEADERS,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        clock: Callable[[], float] = time.time,
        observer: Callable[[Exchange], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        forms: CallForms | None = None,
        on_learn: Callable[[CallForms], None] | None = None,
        known_attempts: Callable[[], list[str]] | None = None,
    ):
        missing = [
            name
            for name, value in [
                ("AUTOPROCTOR_CLIENT_ID", client_id),
                ("AUTOPROCTOR_CLIENT_SECRET", client_secret),
                ("AUTOPROCTOR_BASE_URL", base_url),
            ]
            if not value
        ]
        if missing:
            raise NotConfigured(
                f"AutoProctor is not configured: set {' and '.join(missing)} (the secret may "
                "also come from a file named by AUTOPROCTOR_CLIENT_SECRET_FILE). The client id "
                "and secret are on your AutoProctor developer page.",
                endpoint="settings",
            )
        usage_headers = tuple(usage_headers)
        if "{test_attempt_id}" not in presign_path or len(usage_headers) != 3:
            raise NotConfigured(
                "AUTOPROCTOR_PRESIGN_PATH must contain {test_attempt_id} and "
                "AUTOPROCTOR_USAGE_HEADERS must name three headers.",
                endpoint="settings",
            )
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.presign_path = presign_path
        self.usage_headers = usage_headers
        self._secret = Secret(client_secret)
        self._clock = clock
        self._forms = FormKeeper(forms, on_learn)
        self._answers = AnswerReader(secret=self._secret, client_id=client_id, clock=clock)
        self._transport = Transport(
            secret=self._secret,
            timeout=timeout,
            max_retries=max_retries,
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
            clock=clock,
            sleep=sleep,
            observer=observer,
            session=session,
        )
        # known_attempts(): ids of attempts stored before, to prove the secret with (auth.py).
        self._tenant = TenantAuth(
            base_url=self.base_url,
            client_id=client_id,
            secret=self._secret,
            clock=clock,
            forms=self._forms,
            transport=self._transport,
            known_attempts=known_attempts,
        )

    def __repr__(self) -> str:
        return f"<AutoProctorClient {self.base_url} client_id={self.client_id!r}>"

    def close(self) -> None:
        self._transport.session.close()

    @contextmanager
    def listening(
        self, listener: Callable[[str, int | None, float, float | None], None], *, pool: int = 0
    ) -> Iterator[AutoProctorClient]:
        """Tell `listener(endpoint, status, elapsed_ms, retry_after)` of every HTTP attempt
        made while the block runs (status None: no answer), with the connection pool sized for
        `pool` concurrent calls."""
        if pool:
            self._transport.size_pool(pool)
        self._transport.listeners.append(listener)
        try:
            yield self
        finally:
            self._transport.listeners.remove(listener)

    @contextmanager
    def observing(self, observer: Callable[[Exchange], None]) -> Iterator[AutoProctorClient]:
        """Show `observer` every HTTP exchange made while the block runs, as well as the
        client's own observer (the doctor's shape recording watches the usage and presign
        calls this way)."""
        previous = self._transport.observer

        def both(exchange: Exchange) -> None:
            observer(exchange)
            if previous is not None:
                previous(exchange)

        self._transport.observer = both
        try:
            yield self
        finally:
            self._transport.observer = previous

    def __enter__(self) -> AutoProctorClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # --- the calls ----------------------------------------------------------------------------

    @property
    def forms(self) -> CallForms:
        """The call forms in use: the contract's, or what the API profile or a fallback taught."""
        return self._forms.forms

    def iter_result_pages(
        self, lookup_key: str | None = None, batch_size: int = 1000
    ) -> Iterator[ResultsPage]:
        """Every page of the tenant's results, each request signed with a fresh timestamp.
        Each page is read as a stream, a batch at a time, so an unpaged answer with every
        attempt comes as several ResultsPages of at most `batch_size` attempts."""
        params = {"page": "1"}
        if lookup_key:
            params["lookupKey"] = lookup_key
        number, fetched = 1, set()
        for _ in range(MAX_PAGES):
            fetched.add(frozenset(params.items()))
            call = self._tenant.results_call(RESULTS, params)
            listing = Listing(
                lambda call=call: self._tenant.recovering(
                    lambda: open_streamed(self._transport, self._answers, call), RESULTS
                ),
                self._transport.max_retries,
                scale=lambda: self.forms.trust_score_scale,
            )
            for page in listing.pages(number, batch_size, self._answers):
                self._learn_scale(page.score_scale)
                yield page
            next_url = listing.next_url
            if not next_url:
                return
            previous = number
            params = next_page_params(next_url, params, lookup_key)
            number = int(params["page"]) if params.get("page", "").isdigit() else number + 1
            if frozenset(params.items()) in fetched:
                raise MalformedResponse(
                    f"AutoProctor's results listing loops: the `next` link of page {previous} "
                    "points back to a page already fetched, so the listing stopped there. Try "
                    "again later.",
                    endpoint=RESULTS,
                )
        raise MalformedResponse(
            f"AutoProctor's results listing did not end after {MAX_PAGES} pages.", endpoint=RESULTS
        )

    def get_result_page(self, page: int = 1, lookup_key: str | None = None) -> ResultsPage:
        """One page (1-based) of the tenant's results, for a caller that pages by itself."""
        if isinstance(page, bool) or not isinstance(page, int) or page < 1:
            raise ValueError(f"a results page number is a whole number from 1, not {page!r}")
        params = {"page": str(page)}
        if lookup_key:
            params["lookupKey"] = lookup_key
        call = self._tenant.results_call(RESULTS, params)

        def answer() -> requests.Response:
            with self._transport.send(call) as response:
                self._answers.check_status(RESULTS, response, SIGNED_TIMESTAMP)
                response.content  # noqa: B018 - read whole: the page is short
                return response

        listing = Listing(
            lambda: self._tenant.recovering(answer, RESULTS),
            retries=0,
            scale=lambda: self.forms.trust_score_scale,
        )
        read = next(listing.pages(page, None, self._answers))
        self._learn_scale(read.score_scale)
        return read

    def get_attempt(self, test_attempt_id: str) -> AttemptData:
        """The one-attempt report, in the form this account answers (see forms.py)."""
        self._check_id(test_attempt_id)
        hashed = self._sign(test_attempt_id)
        return self._forms.attempt_call(
            hashed, test_attempt_id, lambda form: self._get_attempt(test_attempt_id, form)
        )

    def _get_attempt(self, test_attempt_id: str, form: str) -> AttemptData:
        if form == HASHED_PATH:
            path = ATTEMPT_PATH.format(hashed_test_attempt_id=encode(self._sign(test_attempt_id)))
            url = self._api_url(path, {self.forms.client_id_param: self.client_id})
        else:
            path = ATTEMPT_PATH.format(hashed_test_attempt_id=encode(test_attempt_id))
            url = self._api_url(path, self._attempt_query(test_attempt_id))
        call = Call(ATTEMPT, "GET", lambda: (url, {}, None))
        document = self._fetch_json(call, SIGNED_ATTEMPT, test_attempt_id)
        scale = self.forms.trust_score_scale
        attempt = read_attempt(self._answers, document, test_attempt_id, scale)
        if any(name == "trust_score" for name, _ in attempt.forms):
            self._learn_scale(PERCENT)
        elif attempt.trust_score is not None and 0.0 < attempt.trust_score < 1.0:
            self._learn_scale(FRACTION)
        return attempt

    def get_evidence_file_url(self, test_attempt_id: str) -> str:
        """The temporary URL of the attempt's evidence JSON; fetch it at once."""
        self._check_id(test_attempt_id)
        path = EVIDENCE_FILE_URL_PATH.format(test_attempt_id=encode(test_attempt_id))
        url = self._api_url(path, self._attempt_query(test_attempt_id))
        call = Call(EVIDENCE_FILE_URL, "GET", lambda: (url, {}, None))
        document = self._fetch_json(call, SIGNED_ATTEMPT, test_attempt_id)
        return read_evidence_file_url(self._answers, document)

    def get_evidence(self, file_url: str) -> EvidenceBundle:
        """The evidence JSON at a URL from get_evidence_file_url (plain GET, no signature)."""
        if not is_web_url(file_url):
            raise MalformedResponse(
                f"The evidence file URL {file_url!r} is not a web address.", endpoint=EVIDENCE
            )
        call = Call(EVIDENCE, "GET", lambda: (file_url, {}, None))
        document = self._fetch_json(call, STORAGE)
        return read_evidence(self._answers, document)

    def presign(self, test_attempt_id: str, paths: list[str]) -> dict[str, PresignedUrl]:
        """Time-limited URLs for evidence files; a path AutoProctor did not sign is left out."""
        self._check_id(test_attempt_id)
        paths = list(dict.fromkeys(paths))
        if not paths:
            return {}
        path = self.presign_path.format(test_attempt_id=encode(test_attempt_id))
        url = self._api_url(path, self._attempt_query(test_attempt_id))
        body = json.dumps({"paths": paths}).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        call = Call(PRESIGN, "POST", lambda: (url, headers, body))
        document = self._fetch_json(call, SIGNED_ATTEMPT, test_attempt_id)
        now = datetime.fromtimestamp(self._clock(), UTC)
        return read_presigned(self._answers, document, paths, now)

    def get_usage(self) -> UsageData:
        id_header, timestamp_header, signature_header = self.usage_headers

        def build() -> tuple[str, dict[str, str], None]:
            stamp, signature = self._tenant.signed_now()
            headers = {
                id_header: self.client_id,
                timestamp_header: stamp,
                signature_header: signature,
            }
            return self.base_url + USAGE_PATH, headers, None

        document = self._tenant.recovering(
            lambda: self._fetch_json(Call(USAGE, "GET", build), SIGNED_TIMESTAMP), USAGE
        )
        return read_usage(self._answers, document)

    def open_file(self, url: str) -> requests.Response:
        """A streamed GET of a presigned evidence URL. The caller closes the response."""
        if not is_web_url(url):
            raise MalformedResponse("The evidence file URL is not a web address.", endpoint=FILE)
        response = self._transport.send(
            Call(FILE, "GET", lambda: (url, {"Accept": "*/*"}, None), stream=True)
        )
        if not 200 <= response.status_code < 300:
            response.close()
            self._answers.check_status(FILE, response, STORAGE)
        return response

    # --- building requests --------------------------------------------------------------------

    @staticmethod
    def _check_id(test_attempt_id: str) -> str:
        if not isinstance(test_attempt_id, str) or not test_attempt_id:
            raise ValueError(
                f"a test attempt id must be a non-empty string, not {test_attempt_id!r}"
            )
        return test_attempt_id

    def _sign(self, message: str) -> str:
        return sign(message, self._secret.reveal())

    def _api_url(self, path: str, params: dict[str, str]) -> str:
        return api_url(self.base_url, path, params)

    def _learn_scale(self, scale: str) -> None:
        if scale != self.forms.trust_score_scale:
            self._forms.learn(trust_score_scale=scale)

    def _attempt_query(self, test_attempt_id: str) -> dict[str, str]:
        return {
            self.forms.client_id_param: self.client_id,
            "hashed_test_attempt_id": self._sign(test_attempt_id),
        }

    # --- reading answers ----------------------------------------------------------------------

    def _fetch_json(self, call: Call, auth: str, test_attempt_id: str | None = None) -> Any:
        with self._transport.send(call) as response:
            self._answers.check_status(call.endpoint, response, auth, test_attempt_id)
            return self._answers.read_json(call.endpoint, response, auth)
