"""`/console/`: AutoProctor's API from inside the dashboard, signed with the server's secret.

Three pages: one endpoint at a time (`/console/`), the evidence flow walked for one attempt
(`/console/walk/`) and the signature tool (`/console/signature/`). Every call goes through the
worker's own client (console.calls), counts against the user's allowance of requests
a minute (console.ratelimit) and is written to the audit trail with its endpoint and
parameters, never the secret, a signature or a temporary URL.
"""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from access.permissions import USE_CONSOLE, require
from audit.services import audit_record
from autoproctor import NotConfigured
from autoproctor.auth import auth_form_words
from console import ratelimit as console_ratelimit
from console.calls import (
    DEFAULT_ENDPOINT,
    ENDPOINTS,
    WALK_STEPS,
    evidence_paths,
    send,
    walk_evidence,
)
from console.forms import MAX_PATHS, EvidenceJsonForm, SignatureForm, WalkForm
from console.session import (
    allowed_origins,
    initial_values,
    remember,
    remember_evidence_url,
)
from console.signature import (
    computable,
    compute,
    timestamp_note,
    verify,
    whitespace_note,
)
from proctoring.models import Attempt
from proctoring.sync.profile import current_profile, profile_forms

AUDIT_ACTION = "console.request"


def _render(request, template, context, status=200):
    context = {
        "nav": "console",
        "base_url": settings.AUTOPROCTOR_BASE_URL,
        "client_id": settings.AUTOPROCTOR_CLIENT_ID,
        "limit": console_ratelimit.REQUESTS_PER_MINUTE,
        **context,
    }
    return render(request, template, context, status=status)


def _spend(request, cost=1):
    """None when the user may go on; otherwise the 429 page saying when to retry."""
    allowance = console_ratelimit.spend(request.user, cost)
    if allowance.allowed:
        return None
    response = _render(
        request,
        "console/rate_limited.html",
        {
            "allowance": allowance,
            "retry_at": timezone.now() + timedelta(seconds=allowance.retry_after),
        },
        status=429,
    )
    response["Retry-After"] = str(allowance.retry_after)
    return response


def _local_attempt(test_attempt_id):
    """The synced attempt with that id, to link the audit event to it, if there is one."""
    if not test_attempt_id:
        return None
    return Attempt.objects.filter(
        client_id=settings.AUTOPROCTOR_CLIENT_ID, test_attempt_id=test_attempt_id
    ).first()


def _audit(request, *, endpoint, parameters, statuses, error_kind):
    said = ", ".join(f"{name}={value}" for name, value in parameters.items())
    answered = ", ".join("no answer" if status is None else str(status) for status in statuses)
    audit_record(
        user=request.user,
        action=AUDIT_ACTION,
        attempt=_local_attempt(parameters.get("test_attempt_id")),
        summary=f"{endpoint}{f' ({said})' if said else ''}: {answered or 'not sent'}",
        detail={
            "endpoint": endpoint,
            "parameters": parameters,
            "statuses": statuses,
            "error": error_kind,
        },
    )


def _audited_parameters(endpoint, data):
    if endpoint.key == "evidence_json":
        # A temporary URL is a key to the file: the trail keeps only where it pointed.
        return {"file_host": urlsplit(data["file_url"]).netloc}
    return {name: value for name, value in data.items() if value not in (None, "", [])}


@require(USE_CONSOLE)
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:
    key = request.POST.get("endpoint") if request.method == "POST" else request.GET.get("endpoint")
    endpoint = ENDPOINTS.get(key or DEFAULT_ENDPOINT)
    if endpoint is None:
        raise Http404("The console has no such endpoint.")
    options = (
        {"allowed_origins": allowed_origins(request)} if endpoint.form is EvidenceJsonForm else {}
    )
    result = None
    if request.method == "POST":
        form = endpoint.form(request.POST, **options)
        if form.is_valid():
            refused = _spend(request)
            if refused:
                return refused
            data = form.cleaned_data
            result = send(endpoint, data)
            _remember(request, endpoint, data, result)
            _audit(
                request,
                endpoint=endpoint.key,
                parameters=_audited_parameters(endpoint, data),
                statuses=result.statuses,
                error_kind=result.error_kind,
            )
    else:
        form = endpoint.form(initial=initial_values(request), **options)
    context = {
        "endpoints": ENDPOINTS.values(),
        "endpoint": endpoint,
        "form": form,
        "result": result,
    }
    return _render(request, "console/console.html", context)


def _remember(request, endpoint, data, result):
    """Carry what a call returned into the next step's form."""
    if "test_attempt_id" in data:
        remember(request, test_attempt_id=data["test_attempt_id"])
    if not result.ok:
        return
    if endpoint.key == "evidence_file_url":
        remember_evidence_url(request, data["test_attempt_id"], result.value)
    elif endpoint.key == "evidence_json":
        remember(request, paths=evidence_paths(result.value)[:MAX_PATHS])


@require(USE_CONSOLE)
@require_http_methods(["GET", "POST"])
def console_walk(request: HttpRequest) -> HttpResponse:
    walk = None
    if request.method == "POST":
        form = WalkForm(request.POST)
        if form.is_valid():
            refused = _spend(request, cost=len(WALK_STEPS))
            if refused:
                return refused
            test_attempt_id = form.cleaned_data["test_attempt_id"]
            walk = walk_evidence(test_attempt_id)
            remember(request, test_attempt_id=test_attempt_id)
            if walk.file_url:
                remember_evidence_url(request, test_attempt_id, walk.file_url)
            stopped = walk.stopped_at
            _audit(
                request,
                endpoint="evidence flow",
                parameters={"test_attempt_id": test_attempt_id},
                statuses=walk.statuses,
                error_kind=stopped.result.error_kind if stopped else "",
            )
    else:
        form = WalkForm(initial=initial_values(request))
    return _render(request, "console/walk.html", {"form": form, "walk": walk})


@require(USE_CONSOLE)
@require_http_methods(["GET", "POST"])
def console_signature(request: HttpRequest) -> HttpResponse:
    outcome = None
    if request.method == "POST":
        form = SignatureForm(request.POST)
        if form.is_valid():
            refused = _spend(request)
            if refused:
                return refused
            outcome = _sign_and_check(request, form)
    else:
        form = SignatureForm()
    forms = profile_forms(current_profile())
    context = {
        "form": form,
        "outcome": outcome,
        "tenant_form": auth_form_words(forms.timestamp_unit, forms.signature_encoding),
    }
    return _render(request, "console/signature.html", context)


def _sign_and_check(request, form):
    message, pasted = form.cleaned_data["message"], form.cleaned_data["signature"]
    # Timestamps are signed as the account's tenant calls sign them (the API profile).
    forms = profile_forms(current_profile())
    unit = forms.timestamp_unit
    try:
        signature = compute(message, (unit, forms.signature_encoding))
    except NotConfigured as error:
        form.add_error(None, error.message)
        return None
    refusal = "" if pasted else computable(message, time.time(), _local_attempt, unit)
    if refusal:
        form.add_error("message", refusal)
        return None
    verdict = verify(pasted, signature) if pasted else None
    audit_record(
        user=request.user,
        action="console.signature",
        attempt=_local_attempt(message),
        summary=(
            f"Signature of {message!r} "
            + (
                "computed"
                if verdict is None
                else f"checked: {'matches' if verdict.matches else 'does not match'}"
            )
        ),
        detail={
            "message": message,
            "checked": verdict is not None,
            "matches": None if verdict is None else verdict.matches,
        },
    )
    notes = [
        note
        for note in (whitespace_note(message), timestamp_note(message, time.time(), unit))
        if note
    ]
    # A checked signature is answered with the verdict alone, never the right value.
    return {"signature": None if pasted else signature, "verdict": verdict, "notes": notes}
