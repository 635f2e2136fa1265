"""The first-contact doctor: call every endpoint with the configured credentials, try each known
variant where the contract is open, learn the forms this account uses, and report what answered
(doctor_report.py).

- Results: the first page, streamed (at most SAMPLE_ITEMS attempts read), described with its
  paging, order, fields, the forms its values came in, and the items that cannot be stored,
  counted (doctor_listing.py). A refused tenant signature is probed as the client probes it
  (auth.py): the secret proven with an attempt-signed call, the other authentication forms
  tried once each, and the one that works learned.
- The one-attempt call in both forms and both client id spellings, then on one attempt per
  state; the evidence chain on attempts until one has files, the presigned URL, and the file
  itself (doctor_evidence.py); the usage call.

Calls go through the client's transport, retrying 429 and 5xx as the sync does within a total
time budget (doctor_calls.py). What it learns is in `report.learned`, which the caller stores
in the API profile; each learned form is one line of the report.

When it records the account's shapes (`--record`), it also provokes three refusals, each on a
read call that changes nothing: a wrong signature and an unknown attempt on the one-attempt
call, a timestamp an hour old on the results call. Their answers (status, body) are recorded
so a replay refuses the way the account does; they are not part of the report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import requests

from .answers import RESULTS as RESULTS_CALL
from .answers import SIGNED_ATTEMPT, SIGNED_TIMESTAMP
from .auth import BASE64, PROBE_ATTEMPT_ID, SECONDS, auth_form_words, digest_as, timestamp_in
from .doctor_calls import Budget, DoctorCalls
from .doctor_evidence import check_evidence, check_reports
from .doctor_listing import describe_listing
from .doctor_report import EVIDENCE, PRESIGNED, REPORT, RESULTS, USAGE, DoctorReport, Probe
from .errors import AutoProctorError, BadCredentials
from .paths import ATTEMPT_PATH, RESULTS_PATH, encode
from .stream import Listing
from .wire import CLIENT_ID_PARAMS

if TYPE_CHECKING:
    from .client import AutoProctorClient
    from .recording import ShapeRecorder
    from .values import ResultsPage

SAMPLE_ITEMS = 200
CONNECT_TIMEOUT = 10.0
# The retries' total time budget, when the caller gives none.
DEFAULT_BUDGET_SECONDS = 120.0
# A timestamp this old is outside every signature window (the provoked refusal).
STALE_SECONDS = 3600


class Doctor:
    def __init__(
        self,
        client: AutoProctorClient,
        timeout: float = 30.0,
        recorder: ShapeRecorder | None = None,
        *,
        budget_seconds: float = DEFAULT_BUDGET_SECONDS,
        allow_partial: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.client = client
        self.recorder = recorder  # a recording.ShapeRecorder, when --record asks for one
        self.report = DoctorReport(base_url=client.base_url, allow_partial=allow_partial)
        self.budget = Budget(budget_seconds, sleep)
        client._transport.timeout = (min(CONNECT_TIMEOUT, timeout), timeout)
        self.calls = DoctorCalls(client, self.report, self.budget, recorder)

    def refusal(self, endpoint: str, response, auth: str, attempt_id: str | None = None) -> str:
        """What the client would say about this non-2xx answer: the cause and the fix."""
        try:
            self.client._answers.check_status(endpoint, response, auth, attempt_id)
        except AutoProctorError as error:
            return error.message
        return ""

    def failure(self, endpoint: str, response, attempt_id: str) -> str:
        """Why a per-attempt call gave no usable answer: the refusal, or the transport's error."""
        if response is not None:
            return self.refusal(endpoint, response, SIGNED_ATTEMPT, attempt_id)
        error = self.calls.last_error
        return error.message if error else ""

    # --- the whole check -----------------------------------------------------------------------
    def run(self) -> DoctorReport:
        page = self.check_results()
        if page is None:
            for capability in (REPORT, EVIDENCE, PRESIGNED):
                self.report.judge(capability, None, "not checked: the results call failed")
        else:
            ready = check_reports(self, page.attempts)
            check_evidence(self, page.attempts, ready)
        self.check_usage()
        if self.recorder is not None:
            self.provoke_refusals()
        self.finish()
        return self.report

    def results_page(self, name: str) -> requests.Response | None:
        return self.calls.call(
            name,
            "GET",
            lambda: self.client._tenant.results_url({"page": "1"}),
            stream=True,
            endpoint=RESULTS_CALL,
        )

    def check_results(self) -> ResultsPage | None:
        client, report = self.client, self.report
        response = self.results_page("results, page 1")
        if response is not None and response.status_code in (401, 403):
            response = self.recover_auth(response)
            if response is None:
                return None
        if response is None:
            error = self.calls.last_error
            detail = f"HTTP {error.status}" if error and error.status else "no answer"
            report.judge(
                RESULTS,
                False,
                f"{detail} from {client.base_url}",
                error.message
                if error
                else "Check AUTOPROCTOR_BASE_URL and that this server can reach it.",
            )
            return None
        if response.status_code != 200:
            with response:
                response.content  # noqa: B018 - the error body, for the message
                refusal = self.refusal(RESULTS_CALL, response, SIGNED_TIMESTAMP)
            report.judge(RESULTS, False, f"HTTP {response.status_code}", refusal)
            return None
        listing = Listing(lambda: response, retries=0, scale=lambda: client.forms.trust_score_scale)
        try:
            pages = listing.pages(1, SAMPLE_ITEMS, client._answers)
            first = next(pages)
            complete = next(pages, None) is None
        except AutoProctorError as error:
            report.judge(RESULTS, False, "the answer cannot be read", error.message)
            return None
        finally:
            response.close()
        describe_listing(report, listing, first, complete)
        if first.score_scale != client.forms.trust_score_scale:
            client._forms.learn(trust_score_scale=first.score_scale)
        if self.recorder is not None:
            self.recorder.saw_listing(listing, first.attempts, report.learned)
        read = len(first.attempts) + len(first.problems)
        if first.problems:
            report.judge(
                RESULTS,
                False,
                f"{len(first.problems)} of {read} attempts on the first answer cannot be stored",
                "The sync would store only the others and exit 3 (partly failed). See "
                '"Attempts of the first page that cannot be stored" above; their values fit '
                "no form we know: send a recording (--record FILE) to support.",
            )
        else:
            report.judge(RESULTS, True, f"{read} attempts read from the first answer")
        return first

    def recover_auth(self, response: requests.Response) -> requests.Response | None:
        """A refused results call: the client's own probe (auth.py), its calls reported; the
        results page in the form learned, or None with RESULTS judged FAILED."""
        with response:
            response.content  # noqa: B018 - the error body, for the message
            try:
                self.client._answers.check_status(RESULTS_CALL, response, SIGNED_TIMESTAMP)
            except BadCredentials as refused:
                error = refused
            except AutoProctorError as other:  # a skewed clock: no form would help
                self.report.judge(RESULTS, False, f"HTTP {response.status_code}", other.message)
                return None
        probe, heard = self.client._tenant.probe, []
        with self.client.listening(lambda endpoint, status, ms, wait: heard.append((status, ms))):
            try:
                probe.recover(error, refused_call_was_results=True)
                verdict = None
            except BadCredentials as refused:
                verdict = refused
        # One line per call the probe made (named by the probe when no retry blurs the count).
        names = (
            probe.calls if len(probe.calls) == len(heard) else ["authentication probe"] * len(heard)
        )
        for name, (status, ms) in zip(names, heard, strict=True):
            self.report.probes.append(Probe(name, status, ms))
        if verdict is not None:
            self.report.judge(RESULTS, False, f"HTTP {error.status}", verdict.message)
            return None
        return self.results_page("results, page 1, in the form learned")

    def check_usage(self) -> None:
        calls = self.calls
        usage = calls.run("usage", lambda: calls.observed("usage", self.client.get_usage))
        if usage is None:
            error = calls.last_error
            self.report.judge(USAGE, False, f"HTTP {error.status or 'error'}", error.message)
        else:
            self.report.judge(USAGE, True, "figures read")

    def finish(self) -> None:
        """The forms in use at the end (learned or the contract's) into the report."""
        forms, report = self.client.forms, self.report
        unit, encoding = forms.timestamp_unit, forms.signature_encoding
        report.learned.update(
            timestamp_unit=unit,
            signature_encoding=encoding,
            trust_score_scale=forms.trust_score_scale,
        )
        report.forms["tenant calls signed with"] = auth_form_words(unit, encoding)
        if (unit, encoding) != (SECONDS, BASE64):
            report.learn_line(f"the tenant calls sign {auth_form_words(unit, encoding)}")
        transport = self.client._transport
        report.budget = (
            f"Retries: 429 and 5xx retried up to {transport.max_retries} times, honouring "
            f"Retry-After, within a total time budget of {self.budget.seconds:g} s."
        )
        if self.budget.waited:
            report.budget += f" Waited {self.budget.waited:.1f} s for AutoProctor."

    def provoke_refusals(self) -> None:
        """Three harmless refused reads, for the recorder: how the account says no."""
        client = self.client
        param = self.report.learned.get("client_id_param") or CLIENT_ID_PARAMS[0]
        path = ATTEMPT_PATH.format(hashed_test_attempt_id=encode(PROBE_ATTEMPT_ID))
        wrong = client._sign(PROBE_ATTEMPT_ID + " (not this id)")
        unit, encoding = client._tenant.current()
        stamp = timestamp_in(unit, client._clock() - STALE_SECONDS)
        signature = digest_as(stamp, client._secret.reveal(), encoding)
        stale = {"unixTimestamp": stamp, "hashedUnixTimestamp": signature, "page": "1"}
        known = {param: client.client_id, "hashed_test_attempt_id": client._sign(PROBE_ATTEMPT_ID)}
        forged = {param: client.client_id, "hashed_test_attempt_id": wrong}
        results = RESULTS_PATH.format(client_id=encode(client.client_id))
        urls = [
            ("bad signature", "attempt", client._api_url(path, forged)),
            ("unknown attempt", "attempt", client._api_url(path, known)),
            ("stale timestamp", "results", client._api_url(results, stale)),
        ]
        session = client._transport.session
        for reason, endpoint, url in urls:
            try:
                response = session.get(url, timeout=client._transport.timeout)
            except requests.RequestException:
                continue
            self.recorder.saw_refusal(reason, endpoint, response)


def run_doctor(
    client: AutoProctorClient,
    timeout: float = 30.0,
    recorder: ShapeRecorder | None = None,
    **options,
) -> DoctorReport:
    """The whole check; `options`: budget_seconds, allow_partial, sleep (see Doctor)."""
    return Doctor(client, timeout, recorder, **options).run()
