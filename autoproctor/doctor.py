"""The first-contact doctor: call every endpoint once with the configured credentials, try each
known variant where the contract is open, and report what answered (doctor_report.py).

It reads a sample of the first results page (at most SAMPLE_ITEMS attempts, streamed, so an
unpaged answer is not read whole), picks a few attempts in different states (one whose hash
contains `/`, which tells whether the hashed-id form survives a server that decodes `%2F`),
and tries: both forms of the one-attempt call with `clientId` and `client_id`, the evidence
file URL with both spellings, the evidence JSON, the presigned URLs and the usage call. Each
call is made once, without retries, so a dead host is reported in seconds.

When it records the account's shapes (`--record`), it also provokes three refusals, each on a
read call that changes nothing: a wrong signature and an unknown attempt on the one-attempt
call, a timestamp an hour old on the results call. Their answers (status, body) are recorded
so a replay refuses the way the account does; they are not part of the report.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import requests

from .answers import ATTEMPT, EVIDENCE_FILE_URL, SIGNED_ATTEMPT, SIGNED_TIMESTAMP
from .answers import RESULTS as RESULTS_CALL
from .paths import ATTEMPT_PATH, EVIDENCE_FILE_URL_PATH, RESULTS_PATH, encode
from .doctor_report import EVIDENCE, PRESIGNED, REPORT, RESULTS, USAGE, DoctorReport, Probe
from .errors import AutoProctorError
from .listing_order import ASCENDING, DESCENDING, UNORDERED, listing_direction
from .signing import unix_timestamp
from .stream import Listing
from .values import parse_attempt, parse_evidence
from .wire import (
    ATTEMPT_FIELDS,
    ATTEMPT_FORM_WORDS,
    CLIENT_ID_PARAMS,
    EVIDENCE_PROCESSED,
    HASHED_PATH,
    ID_QUERY,
    all_attempt_names,
    is_rate_limit_header,
    names_for,
)

if TYPE_CHECKING:
    from .client import AutoProctorClient
    from .recording import ShapeRecorder
    from .values import AttemptData

SAMPLE_ITEMS = 200
ORDER_WORDS = {
    DESCENDING: "newest first",
    ASCENDING: "oldest first",
    UNORDERED: "in no time order (every pass reads the whole listing)",
}
CONNECT_TIMEOUT = 10.0
# The refusals provoked for a recording: no attempt has this id, and a timestamp this old is
# outside every signature window.
PROBE_ATTEMPT_ID = "autoproctor-doctor-probe-no-such-attempt"
STALE_SECONDS = 3600


class Doctor:
    def __init__(self, client, timeout: float = 30.0, recorder=None):
        self.client = client
        self.recorder = recorder  # a recording.ShapeRecorder, when --record asks for one
        self.report = DoctorReport(base_url=client.base_url)
        self.session = requests.Session()
        self.timeout = (min(CONNECT_TIMEOUT, timeout), timeout)

    # --- one call ------------------------------------------------------------------------------
    def call(self, name: str, method: str, url: str, **kwargs: Any) -> requests.Response | None:
        started = time.monotonic()
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            ms = (time.monotonic() - started) * 1000
            self.report.probes.append(Probe(name, None, ms, type(error).__name__))
            return None
        ms = (time.monotonic() - started) * 1000
        self.report.probes.append(Probe(name, response.status_code, ms))
        if self.recorder is not None:
            self.recorder.saw(method, url, response, streamed=kwargs.get("stream", False))
        for header, value in response.headers.items():
            if is_rate_limit_header(header):
                self.report.rate_limit_headers[header] = value
        return response

    def refusal(
        self, endpoint: str, response: requests.Response, auth: str, attempt_id: str | None = None
    ) -> str:
        """What the client would say about this non-2xx answer: the cause and the fix."""
        try:
            self.client._answers.check_status(endpoint, response, auth, attempt_id)
        except AutoProctorError as error:
            return error.message
        return ""

    # --- the whole check -----------------------------------------------------------------------
    def run(self) -> DoctorReport:
        attempts = self.check_results()
        if attempts is None:
            for capability in (REPORT, EVIDENCE, PRESIGNED):
                self.report.judge(capability, None, "not checked: the results call failed")
        else:
            ready = self.check_reports(attempts)
            self.check_evidence(ready)
        self.check_usage()
        if self.recorder is not None:
            self.provoke_refusals()
        self.session.close()
        return self.report

    def check_results(self) -> list[AttemptData] | None:
        client = self.client
        stamp = unix_timestamp(client._clock)
        params = {"unixTimestamp": stamp, "hashedUnixTimestamp": client._sign(stamp), "page": "1"}
        url = client._api_url(RESULTS_PATH.format(client_id=encode(client.client_id)), params)
        response = self.call("results, page 1", "GET", url, stream=True)
        if response is None:
            self.report.judge(
                RESULTS,
                False,
                f"no answer from {client.base_url}",
                "Check AUTOPROCTOR_BASE_URL and that this server can reach it (network, proxy, "
                "firewall, DNS).",
            )
            return None
        if response.status_code != 200:
            response.content  # noqa: B018 - the error body, for the message
            self.report.judge(
                RESULTS,
                False,
                f"HTTP {response.status_code}",
                self.refusal(RESULTS_CALL, response, SIGNED_TIMESTAMP),
            )
            return None
        listing = Listing(lambda: response, retries=0)
        try:
            pages = listing.pages(1, SAMPLE_ITEMS, client._answers)
            first = next(pages)
            complete = next(pages, None) is None
        except AutoProctorError as error:
            self.report.judge(RESULTS, False, "the answer cannot be read", error.message)
            return None
        finally:
            response.close()
        self.describe_listing(listing, first.attempts, complete)
        if self.recorder is not None:
            self.recorder.saw_listing(listing, first.attempts, self.report.learned)
        self.report.judge(
            RESULTS, True, f"{len(first.attempts)} attempts read from the first answer"
        )
        return first.attempts

    def describe_listing(self, listing: Listing, attempts: list, complete: bool) -> None:
        paged = listing.next_url is not None or "next" in listing.top_keys
        direction = listing_direction(attempts)
        order = ORDER_WORDS.get(direction, "unknown")
        self.report.learned["paged"] = paged if (paged or complete) else None
        self.report.learned["listing_order"] = direction
        self.report.paging = {
            "paged": "yes" if paged else ("no" if complete else "no `next` before the items"),
            "page size": len(attempts) if paged else "-",
            "count": listing.total if listing.total is not None else "not given",
            "order by time": order,
        }
        known = all_attempt_names()
        unexpected = Counter(key for a in attempts for key in a.raw if key not in known)
        self.report.unexpected_fields = sorted(unexpected)
        for name in ATTEMPT_FIELDS:
            found = [next((n for n in names_for(name) if n in a.raw), None) for a in attempts]
            under = Counter(found)
            missing = under.pop(None, 0)
            if not attempts or missing == len(attempts):
                state = "missing"
                if name == "evidence_status":
                    state += " (the evidence pass asks the one-attempt call instead)"
            else:
                alias = ", ".join(f"as `{n}`" for n in under if n != name)
                nulls = sum(
                    1 for a, n in zip(attempts, found, strict=True) if n and a.raw[n] is None
                )
                state = "present" + (f" {alias}" if alias else "")
                if nulls == len(attempts) - missing:
                    state += ", null everywhere"
                elif missing:
                    state += f", missing in {missing}"
            self.report.fields[name] = state
        listed = not self.report.fields["evidence_status"].startswith("missing")
        self.report.forms["evidence_status in the listing"] = "yes" if listed else "no"
        self.report.learned["listing_has_evidence_status"] = listed

    # --- the one-attempt call ------------------------------------------------------------------
    def attempt_url(self, attempt_id: str, form: str, param: str) -> str:
        client = self.client
        if form == HASHED_PATH:
            path = ATTEMPT_PATH.format(hashed_test_attempt_id=encode(client._sign(attempt_id)))
            return client._api_url(path, {param: client.client_id})
        path = ATTEMPT_PATH.format(hashed_test_attempt_id=encode(attempt_id))
        query = {param: client.client_id, "hashed_test_attempt_id": client._sign(attempt_id)}
        return client._api_url(path, query)

    def check_reports(self, attempts: list) -> str | None:
        """Every form for one attempt, the working form for a few more; the one to fetch
        evidence of (processed per its report), or None."""
        if not attempts:
            self.report.judge(REPORT, None, "no attempt on the first page to ask about")
            self.report.judge(EVIDENCE, None, "no attempt yet")
            return None
        sample = pick_sample(attempts, self.client._sign)
        first = sample[0]
        working, last_refusal = [], ""
        for form in (HASHED_PATH, ID_QUERY):
            for param in CLIENT_ID_PARAMS:
                name = f"attempt: {ATTEMPT_FORM_WORDS[form]}, {param}"
                response = self.call(name, "GET", self.attempt_url(first, form, param))
                if response is not None and response.status_code == 200:
                    working.append((form, param))
                elif response is not None:
                    last_refusal = self.refusal(ATTEMPT, response, SIGNED_ATTEMPT, first)
        slash = "/" in self.client._sign(first)
        if not working:
            self.report.judge(
                REPORT,
                False,
                f"every form refused attempt {first!r}",
                last_refusal or "Check AUTOPROCTOR_BASE_URL and the network.",
            )
            return None
        form, param = working[0]
        self.report.learned.update(attempt_form=form, client_id_param=param)
        self.report.forms["one-attempt call"] = ATTEMPT_FORM_WORDS[form]
        self.report.forms["client id parameter"] = param
        hashed_ok = any(f == HASHED_PATH for f, _ in working)
        if slash and not hashed_ok:
            self.report.forms["note"] = (
                "hashed ids containing `/` are refused in the path: this server decodes %2F"
            )
        ready, beside = None, None
        for attempt_id in sample:
            report, where = self.one_report(attempt_id, form, param)
            beside = beside or where
            if report and report.evidence_status == EVIDENCE_PROCESSED and ready is None:
                ready = attempt_id
        self.report.forms["evidence_status in the one-attempt answer"] = beside or "absent"
        self.report.judge(
            REPORT, True, f"answers {ATTEMPT_FORM_WORDS[form]}, client id as `{param}`"
        )
        return ready

    def one_report(
        self, attempt_id: str, form: str, param: str
    ) -> tuple[AttemptData | None, str | None]:
        url = self.attempt_url(attempt_id, form, param)
        response = self.call(f"attempt {attempt_id!r}", "GET", url)
        if response is None or response.status_code != 200:
            return None, None
        try:
            document = response.json()
            attempt = document.get("test_attempt", document)
            beside = {k: v for k, v in document.items() if k not in ("status", "test_attempt")}
            inside = any(n in attempt for n in names_for("evidence_status"))
            where = "inside test_attempt" if inside else None
            if not inside and any(n in beside for n in names_for("evidence_status")):
                where = "beside test_attempt"
            return parse_attempt(attempt, fallback_id=attempt_id, beside=beside), where
        except (ValueError, AttributeError):
            return None, None

    # --- evidence, presigned files, usage -------------------------------------------------------
    def check_evidence(self, attempt_id: str | None) -> None:
        if attempt_id is None:
            if EVIDENCE not in self.report.verdicts:
                self.report.judge(
                    EVIDENCE,
                    None,
                    "no attempt with processed evidence in the sample",
                    "Run the check again once an attempt's evidence is processed.",
                )
            self.report.judge(PRESIGNED, None, "no evidence to presign")
            return
        client, file_url = self.client, None
        path = EVIDENCE_FILE_URL_PATH.format(test_attempt_id=encode(attempt_id))
        refusal = ""
        for param in CLIENT_ID_PARAMS:
            query = {param: client.client_id, "hashed_test_attempt_id": client._sign(attempt_id)}
            response = self.call(f"evidence file URL, {param}", "GET", client._api_url(path, query))
            if response is not None and response.status_code == 200 and file_url is None:
                file_url = _json_value(response, "all_evidence_records_file_url")
                self.report.forms["evidence file URL client id parameter"] = param
            elif response is not None and response.status_code != 200:
                refusal = self.refusal(EVIDENCE_FILE_URL, response, SIGNED_ATTEMPT, attempt_id)
        if not file_url:
            self.report.judge(EVIDENCE, False, f"no evidence file URL for {attempt_id!r}", refusal)
            self.report.judge(PRESIGNED, None, "no evidence to presign")
            return
        response = self.call("evidence JSON (temporary URL)", "GET", file_url)
        try:
            bundle = parse_evidence(response.json()) if response is not None else None
        except (ValueError, AttributeError):
            bundle = None
        if response is None or response.status_code != 200 or bundle is None:
            self.report.judge(
                EVIDENCE,
                False,
                "the evidence JSON could not be read",
                "Check that this server may reach AutoProctor's file storage (proxy, firewall).",
            )
            return
        self.report.judge(EVIDENCE, True, f"{len(bundle.records)} records of {attempt_id!r}")
        self.check_presign(attempt_id, [r.s3_path for r in bundle.records if r.s3_path])

    def check_presign(self, attempt_id: str, paths: list[str]) -> None:
        if not paths:
            self.report.judge(PRESIGNED, None, "the sampled evidence has no files")
            return
        self.timed(
            PRESIGNED,
            "presigned URLs",
            lambda: self.client.presign(attempt_id, paths[:1]),
            attempt_id,
        )

    def check_usage(self) -> None:
        self.timed(USAGE, "usage", self.client.get_usage)

    def observed(self, name: str, action: Callable, attempt_id: str = "") -> Any:
        """`action()`, the client's exchanges shown to the recorder (when there is one)."""
        if self.recorder is None:
            return action()
        with self.client.observing(
            lambda exchange: self.recorder.saw_exchange(name, exchange, attempt_id)
        ):
            return action()

    def provoke_refusals(self) -> None:
        """Three harmless refused reads, for the recorder: how the account says no."""
        client = self.client
        param = self.report.learned.get("client_id_param") or CLIENT_ID_PARAMS[0]
        path = ATTEMPT_PATH.format(hashed_test_attempt_id=encode(PROBE_ATTEMPT_ID))
        wrong = client._sign(PROBE_ATTEMPT_ID + " (not this id)")
        stamp = str(int(unix_timestamp(client._clock)) - STALE_SECONDS)
        stale = {"unixTimestamp": stamp, "hashedUnixTimestamp": client._sign(stamp), "page": "1"}
        probes = [
            (
                "bad signature",
                "attempt",
                {param: client.client_id, "hashed_test_attempt_id": wrong},
            ),
            (
                "unknown attempt",
                "attempt",
                {param: client.client_id, "hashed_test_attempt_id": client._sign(PROBE_ATTEMPT_ID)},
            ),
        ]
        urls = [
            (reason, endpoint, client._api_url(path, query)) for reason, endpoint, query in probes
        ]
        results = RESULTS_PATH.format(client_id=encode(client.client_id))
        urls.append(("stale timestamp", "results", client._api_url(results, stale)))
        for reason, endpoint, url in urls:
            try:
                response = self.session.get(url, timeout=self.timeout)
            except requests.RequestException:
                continue
            self.recorder.saw_refusal(reason, endpoint, response)

    def timed(self, capability: str, name: str, action: Callable, attempt_id: str = "") -> None:
        started = time.monotonic()
        try:
            answer = self.observed(name, action, attempt_id)
        except AutoProctorError as error:
            ms = (time.monotonic() - started) * 1000
            self.report.probes.append(Probe(name, error.status, ms))
            self.report.judge(capability, False, f"HTTP {error.status or 'error'}", error.message)
            return
        ms = (time.monotonic() - started) * 1000
        self.report.probes.append(Probe(name, 200, ms))
        detail = f"{len(answer)} URL(s) signed" if isinstance(answer, dict) else "figures read"
        if isinstance(answer, dict) and not answer:
            self.report.judge(
                capability,
                False,
                "no URL came back",
                "Check AUTOPROCTOR_PRESIGN_PATH against AutoProctor's documentation.",
            )
            return
        self.report.judge(capability, True, detail)


def pick_sample(attempts: list, sign: Callable[[str], str], size: int = 3) -> list[str]:
    """A few attempt ids in different states, the first one's hash containing `/` if any does
    (so the hashed-id form is tested where it can fail)."""

    def state(a: AttemptData) -> str:
        if a.evidence_status == EVIDENCE_PROCESSED:
            return "processed"
        return "submitted" if a.submitted_at else "in progress"

    by_state: dict[str, list] = {}
    for attempt in attempts:
        by_state.setdefault(state(attempt), []).append(attempt.test_attempt_id)
    if "processed" not in by_state:  # the listing may not say: take submitted ones
        by_state["processed"] = by_state.pop("submitted", [])
    sample = [ids[0] for ids in by_state.values() if ids]
    slashed = next((a.test_attempt_id for a in attempts if "/" in sign(a.test_attempt_id)), None)
    if slashed and slashed not in sample:
        sample.insert(0, slashed)
    elif slashed:
        sample.remove(slashed)
        sample.insert(0, slashed)
    return sample[: size + 1]


def _json_value(response: requests.Response, key: str):
    """`key` of a JSON object answer; None when the answer is not one."""
    try:
        document = response.json()
    except ValueError:
        return None
    return document.get(key) if isinstance(document, dict) else None


def run_doctor(
    client: AutoProctorClient, timeout: float = 30.0, recorder: ShapeRecorder | None = None
) -> DoctorReport:
    return Doctor(client, timeout, recorder).run()
