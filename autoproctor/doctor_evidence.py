"""The doctor's per-attempt checks: the one-attempt call in every form, on one attempt per state,
and the evidence chain (evidence file URL, evidence JSON, presigned URL, the file itself).

An attempt's evidence may hold no file (a clean attempt's records, or violations whose evidence
was not kept), so the doctor keeps looking, through at most EVIDENCE_SEARCH attempts, for one
whose evidence has files: the presigned step is checked on a real file, or said NOT CHECKED.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from .answers import ATTEMPT, EVIDENCE_FILE_URL, SIGNED_ATTEMPT
from .answers import EVIDENCE as EVIDENCE_JSON
from .doctor_report import EVIDENCE, PRESIGNED, REPORT
from .documents import is_web_url
from .paths import ATTEMPT_PATH, EVIDENCE_FILE_URL_PATH, encode
from .values import parse_attempt, parse_evidence
from .wire import (
    ATTEMPT_FORM_WORDS,
    CLIENT_ID_PARAMS,
    EVIDENCE_PROCESSED,
    HASHED_PATH,
    ID_QUERY,
    names_for,
)

if TYPE_CHECKING:
    import requests

    from .client import AutoProctorClient
    from .doctor_calls import DoctorCalls
    from .doctor_report import DoctorReport
    from .values import AttemptData


class Doctor(Protocol):
    """What these checks use of the doctor (doctor.Doctor)."""

    client: AutoProctorClient
    report: DoctorReport
    calls: DoctorCalls

    def refusal(self, endpoint: str, response, auth: str, attempt_id: str | None = None) -> str: ...

    def failure(self, endpoint: str, response, attempt_id: str) -> str: ...


# Attempts whose evidence the doctor reads, at most, looking for one with files.
EVIDENCE_SEARCH = 6


def attempt_url(doctor: Doctor, attempt_id: str, form: str, param: str) -> str:
    client = doctor.client
    if form == HASHED_PATH:
        path = ATTEMPT_PATH.format(hashed_test_attempt_id=encode(client._sign(attempt_id)))
        return client._api_url(path, {param: client.client_id})
    path = ATTEMPT_PATH.format(hashed_test_attempt_id=encode(attempt_id))
    query = {param: client.client_id, "hashed_test_attempt_id": client._sign(attempt_id)}
    return client._api_url(path, query)


def check_reports(doctor: Doctor, attempts: list) -> list[str]:
    """Every form for one attempt, the working form for one attempt per state; the ids whose
    report says their evidence is processed."""
    report = doctor.report
    if not attempts:
        report.judge(REPORT, None, "no attempt on the first page to ask about")
        return []
    sample = pick_sample(attempts, doctor.client._sign)
    first = sample[0]
    working, last_refusal = [], ""
    for form in (HASHED_PATH, ID_QUERY):
        for param in CLIENT_ID_PARAMS:
            name = f"attempt: {ATTEMPT_FORM_WORDS[form]}, {param}"
            response = doctor.calls.call(name, "GET", attempt_url(doctor, first, form, param))
            if response is not None and response.status_code == 200:
                working.append((form, param))
            elif response is not None:
                last_refusal = doctor.refusal(ATTEMPT, response, SIGNED_ATTEMPT, first)
    if not working:
        report.judge(
            REPORT,
            False,
            f"every form refused attempt {first!r}",
            last_refusal or "Check AUTOPROCTOR_BASE_URL and the network.",
        )
        return []
    form, param = working[0]
    report.learned.update(attempt_form=form, client_id_param=param)
    doctor.client._forms.learn(attempt_form=form, client_id_param=param)
    report.forms["one-attempt call"] = ATTEMPT_FORM_WORDS[form]
    report.forms["client id parameter"] = param
    if form != HASHED_PATH:
        report.learn_line(f"the one-attempt call takes {ATTEMPT_FORM_WORDS[form]}")
    if param != CLIENT_ID_PARAMS[0]:
        report.learn_line(f"the client id goes in the query as `{param}`")
    if "/" in doctor.client._sign(first) and not any(f == HASHED_PATH for f, _ in working):
        report.forms["note"] = (
            "hashed ids containing `/` are refused in the path: this server decodes %2F"
        )
    ready, beside = [], None
    for attempt_id in sample:
        attempt, where = one_report(doctor, attempt_id, form, param)
        beside = beside or where
        if attempt and attempt.evidence_status == EVIDENCE_PROCESSED:
            ready.append(attempt_id)
    report.forms["evidence_status in the one-attempt answer"] = beside or "absent"
    report.judge(REPORT, True, f"answers {ATTEMPT_FORM_WORDS[form]}, client id as `{param}`")
    return ready


def one_report(doctor: Doctor, attempt_id: str, form: str, param: str):
    """(the attempt as its report gives it, where its evidence_status is), or (None, None)."""
    url = attempt_url(doctor, attempt_id, form, param)
    response = doctor.calls.call(f"attempt {attempt_id!r}", "GET", url)
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


def evidence_candidates(attempts: list, ready: list[str]) -> list[str]:
    """Attempts whose evidence may be read: processed per their report, then per the listing,
    then (a listing that does not say) submitted ones; each once."""
    listed = [a.test_attempt_id for a in attempts if a.evidence_status == EVIDENCE_PROCESSED]
    unsaid = [a.test_attempt_id for a in attempts if a.evidence_status is None and a.submitted_at]
    return list(dict.fromkeys([*ready, *listed, *unsaid]))


def check_evidence(doctor: Doctor, attempts: list, ready: list[str]) -> None:
    report, client = doctor.report, doctor.client
    candidates = evidence_candidates(attempts, ready)[:EVIDENCE_SEARCH]
    if not candidates:
        report.judge(
            EVIDENCE,
            None,
            "no attempt with processed evidence on the first page",
            "Run the check again once an attempt's evidence is processed.",
        )
        report.judge(PRESIGNED, None, "no evidence to presign")
        return
    read_from, refusal = [], ""
    for attempt_id in candidates:
        path = EVIDENCE_FILE_URL_PATH.format(test_attempt_id=encode(attempt_id))
        url = client._api_url(path, client._attempt_query(attempt_id))
        response = doctor.calls.call(f"evidence file URL of {attempt_id!r}", "GET", url)
        if response is None or response.status_code != 200:
            refusal = doctor.failure(EVIDENCE_FILE_URL, response, attempt_id)
            continue
        bundle = read_bundle(doctor, _json_value(response, "all_evidence_records_file_url"))
        if bundle is None:
            return
        read_from.append(attempt_id)
        paths = [record.s3_path for record in bundle.records if record.s3_path]
        if paths:
            report.judge(EVIDENCE, True, f"{len(bundle.records)} records of {attempt_id!r}")
            check_presign(doctor, attempt_id, paths)
            return
    if not read_from:
        report.judge(EVIDENCE, False, f"no evidence file URL for {candidates[0]!r}", refusal)
        report.judge(PRESIGNED, None, "no evidence to presign")
        return
    report.judge(EVIDENCE, True, f"evidence of {len(read_from)} attempts read")
    report.judge(
        PRESIGNED,
        None,
        f"none of the {len(read_from)} attempts whose evidence was read has evidence files",
        "Run the check again once an attempt with kept evidence files is processed.",
    )


def read_bundle(doctor: Doctor, file_url):
    """The evidence JSON at `file_url`; None (and EVIDENCE judged FAILED) when unreadable."""
    response = None
    if is_web_url(file_url):
        response = doctor.calls.call(
            "evidence JSON (temporary URL)", "GET", file_url, endpoint=EVIDENCE_JSON
        )
    try:
        bundle = parse_evidence(response.json()) if response is not None else None
    except (ValueError, AttributeError):
        bundle = None
    if response is None or response.status_code != 200 or bundle is None:
        doctor.report.judge(
            EVIDENCE,
            False,
            "the evidence JSON could not be read",
            "Check that this server may reach AutoProctor's file storage (proxy, firewall).",
        )
        doctor.report.judge(PRESIGNED, None, "no evidence to presign")
        return None
    return bundle


def check_presign(doctor: Doctor, attempt_id: str, paths: list[str]) -> None:
    """Presign one file and fetch it: both must work for the evidence pages to show files."""
    client, calls = doctor.client, doctor.calls
    urls = calls.run(
        "presigned URLs",
        lambda: calls.observed(
            "presigned URLs", lambda: client.presign(attempt_id, paths[:1]), attempt_id
        ),
    )
    if urls is None:
        error = calls.last_error
        doctor.report.judge(PRESIGNED, False, f"HTTP {error.status or 'error'}", error.message)
        return
    if not urls:
        doctor.report.judge(
            PRESIGNED,
            False,
            "no URL came back",
            "Check AUTOPROCTOR_PRESIGN_PATH against AutoProctor's documentation.",
        )
        return
    presigned = next(iter(urls.values()))
    response = calls.run("presigned file", lambda: client.open_file(presigned.url))
    if response is None:
        error = calls.last_error
        doctor.report.judge(
            PRESIGNED, False, "the presigned file could not be fetched", error.message
        )
        return
    with response:
        size = len(next(response.iter_content(64 * 1024), b""))
        kind = response.headers.get("Content-Type", "unknown type")
    doctor.report.judge(
        PRESIGNED, True, f"1 URL signed and its file fetched ({kind}, {size} bytes read)"
    )


def pick_sample(attempts: list, sign: Callable[[str], str], size: int = 3) -> list[str]:
    """One attempt id per state (processed, submitted, in progress), the first one's hash
    containing `/` if any does (so the hashed-id form is tested where it can fail)."""

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
