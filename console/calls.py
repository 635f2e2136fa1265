"""The API console's calls: the AutoProctor endpoints it offers, each sent through the worker's
own client, and the HTTP exchanges a page shows for it.

The console never builds a request itself. It asks AutoProctorClient, configured by the
AUTOPROCTOR_* settings (so signed calls can only go to the configured base URL, and the secret
stays inside the client), and shows what the client's observer saw: every HTTP attempt, retries
included. The one address a user may type is the evidence JSON's temporary URL, which
console.forms accepts only on a host AutoProctor itself handed out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from autoproctor import (
    AutoProctorClient,
    AutoProctorError,
    EvidenceBundle,
    EvidenceUrlExpired,
    NotReady,
)
from console.exchanges import Recorder, ShownExchange, show
from console.forms import (
    AttemptForm,
    EvidenceJsonForm,
    PresignForm,
    ResultsForm,
    UsageForm,
)
from console.signature import hidden_forms
from proctoring.sync.profile import profiled_client

# A person is waiting for the page: one retry at most, after a short pause, and no endless wait.
CONSOLE_MAX_RETRIES = 1
CONSOLE_BACKOFF_CAP = 5.0
CONSOLE_TIMEOUT = 15.0

# What a failure means for the person at the console, where the client's message (which names
# the setting to check) needs a plainer first sentence.
HEADLINES = {
    NotReady: "AutoProctor is still processing this attempt's evidence; try again in a few "
    "minutes.",
    EvidenceUrlExpired: "The temporary evidence file URL has expired: ask for a new one (the "
    "evidence file URL endpoint) and fetch it straight away.",
}


def console_client(recorder: Recorder) -> AutoProctorClient:
    """The worker's client with the same settings and the forms the API profile learned,
    recording into `recorder`."""
    return profiled_client(
        observer=recorder,
        max_retries=min(settings.AUTOPROCTOR_MAX_RETRIES, CONSOLE_MAX_RETRIES),
        backoff_cap=CONSOLE_BACKOFF_CAP,
        timeout=min(settings.AUTOPROCTOR_TIMEOUT, CONSOLE_TIMEOUT),
    )


def explain(error: AutoProctorError) -> tuple[str, str]:
    """(headline, detail) of a failed call: a plain first sentence, then the client's message."""
    headline = HEADLINES.get(type(error))
    if headline:
        return headline, error.message
    return error.message, ""


# --- the endpoints ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    summary: str
    value: Any = None


def _results(client: AutoProctorClient, data: dict) -> Outcome:
    page = client.get_result_page(data["page"], lookup_key=data["lookup_key"] or None)
    summary = f"Page {page.number}: {len(page.attempts)} attempts"
    if page.total is not None:
        summary += f" of {page.total} in all"
    if page.problems:
        summary += f"; {len(page.problems)} could not be read ({page.problems[0]})"
    return Outcome(summary + ".", page)


def _attempt(client: AutoProctorClient, data: dict) -> Outcome:
    attempt = client.get_attempt(data["test_attempt_id"])
    score = (
        "not scored yet"
        if attempt.trust_score is None
        else f"trust score {attempt.trust_score * 100:.1f} %"
    )
    state = "submitted" if attempt.submitted_at else "in progress"
    evidence = attempt.evidence_status or "unknown"
    return Outcome(
        f"Attempt {attempt.test_attempt_id}: {state}, {score}, evidence {evidence}.", attempt
    )


def _evidence_file_url(client: AutoProctorClient, data: dict) -> Outcome:
    file_url = client.get_evidence_file_url(data["test_attempt_id"])
    host = urlsplit(file_url).netloc
    return Outcome(
        f"A temporary evidence JSON URL on {host}: fetch it within a few minutes.", file_url
    )


def _evidence_json(client: AutoProctorClient, data: dict) -> Outcome:
    bundle = client.get_evidence(data["file_url"])
    records = bundle.records
    violations = sum(1 for record in records if record.is_violation)
    paths = evidence_paths(bundle)
    summary = f"{len(records)} evidence records ({violations} violations), {len(paths)} files kept"
    if bundle.problems:
        summary += f"; {len(bundle.problems)} could not be read ({bundle.problems[0]})"
    return Outcome(summary + ".", bundle)


def _presign(client: AutoProctorClient, data: dict) -> Outcome:
    urls = client.presign(data["test_attempt_id"], data["paths"])
    summary = f"{len(urls)} of {len(data['paths'])} paths signed"
    if urls:
        soonest = min(presigned.expires_at for presigned in urls.values())
        summary += f", the first expiring at {soonest:%H:%M:%S} UTC"
    return Outcome(summary + ".", urls)


def _usage(client: AutoProctorClient, data: dict) -> Outcome:
    usage = client.get_usage()
    remaining = "?" if usage.credits_remaining is None else usage.credits_remaining
    used = "?" if usage.credits_used is None else usage.credits_used
    return Outcome(f"{remaining} credits remaining, {used} used.", usage)


def evidence_paths(bundle: EvidenceBundle) -> list[str]:
    """The S3 paths of an evidence bundle's kept files, each once, in record order."""
    return list(dict.fromkeys(record.s3_path for record in bundle.records if record.s3_path))


@dataclass(frozen=True)
class Endpoint:
    key: str
    title: str
    method: str
    path: str
    description: str
    form: type
    run: Callable[[AutoProctorClient, dict], Outcome]


ENDPOINTS = {
    endpoint.key: endpoint
    for endpoint in [
        Endpoint(
            "results",
            "All results",
            "GET",
            "/api/v2/tenants/{clientId}/results/",
            "One page of the account's attempts, newest first, 100 a page; signed with the "
            "current time.",
            ResultsForm,
            _results,
        ),
        Endpoint(
            "attempt",
            "One attempt",
            "GET",
            "/api/v2/test-attempts/{hashedTestAttemptId}/",
            "One attempt's trust score and evidence status; the signature of its id is the path.",
            AttemptForm,
            _attempt,
        ),
        Endpoint(
            "evidence_file_url",
            "Evidence file URL",
            "GET",
            "/api/v2/test-attempts/{testAttemptId}/evidence-records-file-url/",
            "A temporary URL of the attempt's evidence JSON, once its evidence is processed.",
            AttemptForm,
            _evidence_file_url,
        ),
        Endpoint(
            "evidence_json",
            "Evidence JSON",
            "GET",
            "(the evidence file URL)",
            "The evidence records at the URL the previous endpoint returned: a plain GET, no "
            "signature.",
            EvidenceJsonForm,
            _evidence_json,
        ),
        Endpoint(
            "presign",
            "Presigned URLs",
            "POST",
            "(AUTOPROCTOR_PRESIGN_PATH)",
            "Time-limited URLs for some of the attempt's evidence files (their S3 paths).",
            PresignForm,
            _presign,
        ),
        Endpoint(
            "usage",
            "Usage",
            "GET",
            "/api/v2/usage/",
            "The account's credits; signed with the current time in three headers "
            "(AUTOPROCTOR_USAGE_HEADERS).",
            UsageForm,
            _usage,
        ),
    ]
}
DEFAULT_ENDPOINT = "results"


@dataclass
class CallResult:
    """What one console call did: its exchanges, and either a summary or what went wrong."""

    exchanges: list[ShownExchange] = field(default_factory=list)
    summary: str = ""
    value: Any = None
    headline: str = ""  # set when the call failed
    detail: str = ""
    error_kind: str = ""

    @property
    def ok(self) -> bool:
        return not self.headline

    @property
    def statuses(self) -> list[int | None]:
        return [exchange.status for exchange in self.exchanges]

    def failed(self, error: AutoProctorError) -> CallResult:
        self.headline, self.detail = explain(error)
        self.error_kind = type(error).__name__
        return self


def send(endpoint: Endpoint, data: dict) -> CallResult:
    """Run one endpoint with the cleaned form data; never raises an AutoProctorError."""
    recorder = Recorder()
    result = CallResult()
    try:
        client = console_client(recorder)
    except AutoProctorError as error:  # not configured
        return result.failed(error)
    with client:
        try:
            outcome = endpoint.run(client, data)
        except AutoProctorError as error:
            result.failed(error)
        else:
            result.summary, result.value = outcome.summary, outcome.value
    hidden = hidden_forms(data.get("test_attempt_id"))
    result.exchanges = [show(exchange, hidden) for exchange in recorder.take()]
    return result


# --- the evidence flow, step by step ---------------------------------------------------------

WALK_STEPS = [
    "The attempt",
    "Evidence file URL",
    "Evidence JSON",
    "Presigned URLs for its files",
]


@dataclass
class WalkStep:
    number: int
    title: str
    state: str = "not run"  # "done", "failed", "skipped" or "not run"
    result: CallResult = field(default_factory=CallResult)


@dataclass
class Walk:
    test_attempt_id: str
    steps: list[WalkStep]
    file_url: str = ""  # the evidence file URL step 2 returned, if it got that far

    @property
    def stopped_at(self) -> WalkStep | None:
        return next((step for step in self.steps if step.state == "failed"), None)

    @property
    def statuses(self) -> list[int | None]:
        return [status for step in self.steps for status in step.result.statuses]


def walk_evidence(test_attempt_id: str) -> Walk:
    """attempt → evidence file URL → evidence JSON → presigned URLs, stopping at a failure."""
    steps = [WalkStep(number, title) for number, title in enumerate(WALK_STEPS, start=1)]
    walk = Walk(test_attempt_id, steps)
    hidden = hidden_forms(test_attempt_id)
    recorder = Recorder()
    try:
        client = console_client(recorder)
    except AutoProctorError as error:  # not configured
        steps[0].state = "failed"
        steps[0].result.failed(error)
        return walk

    def run(step: WalkStep, action: Callable[[], Outcome]) -> bool:
        try:
            outcome = action()
        except AutoProctorError as error:
            step.state = "failed"
            step.result.failed(error)
        else:
            step.state = "done"
            step.result.summary, step.result.value = outcome.summary, outcome.value
        step.result.exchanges = [show(exchange, hidden) for exchange in recorder.take()]
        return step.state == "done"

    data = {"test_attempt_id": test_attempt_id}
    with client:
        if not run(steps[0], lambda: _attempt(client, data)):
            return walk
        if not run(steps[1], lambda: _evidence_file_url(client, data)):
            return walk
        walk.file_url = steps[1].result.value
        if not run(steps[2], lambda: _evidence_json(client, {"file_url": walk.file_url})):
            return walk
        paths = evidence_paths(steps[2].result.value)
        if not paths:
            steps[3].state = "skipped"
            steps[
                3
            ].result.summary = (
                "No evidence files were kept for this attempt, so there is nothing to presign."
            )
            return walk
        run(steps[3], lambda: _presign(client, {**data, "paths": paths}))
    return walk
