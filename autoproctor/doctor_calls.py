"""How the doctor sends its calls: through the client's own transport, so 429 and 5xx answers are
retried as the sync retries them (Retry-After honoured, fresh signatures), within a total time
budget the report prints. A doctor that gave up at the first 429 would call an account broken
that the sync copes with.

Every logical call becomes one Probe in the report (with its retries noted), its rate-limit
headers are collected, and its answer is shown to the shape recorder when there is one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import requests

from .doctor_report import DoctorReport, Probe
from .errors import AutoProctorError
from .transport import Call
from .wire import is_rate_limit_header

if TYPE_CHECKING:
    from .client import AutoProctorClient
    from .recording import ShapeRecorder


class BudgetSpent(AutoProctorError):
    """The doctor's total time budget would be exceeded by waiting for another retry."""


class Budget:
    """The doctor's total time: a retry's wait is allowed only while it fits."""

    def __init__(self, seconds: float, sleep: Callable[[float], None] = time.sleep):
        self.seconds = seconds
        self._sleep = sleep
        self._started = time.monotonic()
        self.waited = 0.0

    @property
    def used(self) -> float:
        return time.monotonic() - self._started

    def sleep(self, delay: float) -> None:
        if self.used + delay > self.seconds:
            raise BudgetSpent(
                f"The check's time budget of {self.seconds:g} s would be spent waiting "
                f"{delay:.1f} s more for AutoProctor (it answered 429 or 5xx). Run it again "
                "later, or give it more time with AUTOPROCTOR_DOCTOR_BUDGET_SECONDS."
            )
        self.waited += delay
        self._sleep(delay)


class DoctorCalls:
    def __init__(
        self,
        client: AutoProctorClient,
        report: DoctorReport,
        budget: Budget,
        recorder: ShapeRecorder | None = None,
    ):
        self.client = client
        self.report = report
        self.budget = budget
        self.recorder = recorder
        # Retries wait on the doctor's budget, not on the client's own clock alone.
        client._transport.sleep = budget.sleep

    def call(
        self,
        name: str,
        method: str,
        url: str | Callable[[], str],
        *,
        stream: bool = False,
        headers: dict[str, str] | None = None,
        endpoint: str = "",
    ) -> requests.Response | None:
        """One logical call (`url` may be a function, called per attempt to sign afresh); the
        answer, or None when there was none (the Probe and `self.last_error` say why).
        `endpoint`: the call's name for the transport (answers.py), `name` by default."""
        sent: list[str] = []

        def build() -> tuple[str, dict[str, str], None]:
            sent.append(url() if callable(url) else url)
            return sent[-1], dict(headers or {}), None

        response = self.run(
            name,
            lambda: self.client._transport.send(Call(endpoint or name, method, build, stream)),
        )
        if response is not None and self.recorder is not None:
            self.recorder.saw(method, sent[-1], response, streamed=stream)
        return response

    def run(self, name: str, action: Callable[[], Any]) -> Any:
        """`action()` as one Probe: its HTTP attempts counted, retries and errors noted; None
        when it raised (the error is in `self.last_error`)."""
        statuses: list[int | None] = []
        started = time.monotonic()
        self.last_error: AutoProctorError | None = None

        def heard(endpoint: str, status: int | None, elapsed: float, retry_after) -> None:
            statuses.append(status)

        with self.client.listening(heard):
            try:
                answer = action()
            except AutoProctorError as error:
                self.last_error = error
                answer = None
        ms = (time.monotonic() - started) * 1000
        note = ""
        if len(statuses) > 1:
            shown = ", ".join(str(s) if s is not None else "no answer" for s in statuses[:-1])
            note = f"after {len(statuses) - 1} retried ({shown})"
        if isinstance(self.last_error, BudgetSpent):
            note = "time budget spent"
        if isinstance(answer, requests.Response):
            status = answer.status_code
        elif self.last_error is not None:
            status = self.last_error.status
        else:
            status = 200  # a client call that returned: AutoProctor answered with success
        self.report.probes.append(Probe(name, status, ms, note))
        if isinstance(answer, requests.Response):
            for header, value in answer.headers.items():
                if is_rate_limit_header(header):
                    self.report.rate_limit_headers[header] = value
        return answer

    def observed(self, name: str, action: Callable, attempt_id: str = "") -> Any:
        """`action()`, the client's exchanges shown to the recorder (when there is one)."""
        if self.recorder is None:
            return action()
        with self.client.observing(
            lambda exchange: self.recorder.saw_exchange(name, exchange, attempt_id)
        ):
            return action()
