"""The API console against the simulator over real HTTP: what it sends, what it shows, where it
may send it, and that the secret never reaches a page or the audit trail."""

import html
import re
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from autoproctor import sign
from console import ratelimit as console_ratelimit
from proctoring.models import ApiProfile
from tests.fixtures.data import make_attempt

pytestmark = pytest.mark.django_db

MARKER_SECRET = "MARKER-secret-3f9c1d7e-never-shown"
# Headers the HTTP library adds on the wire; the client's observer does not see them.
LIBRARY_HEADERS = {"host", "content-length"}


@pytest.fixture(autouse=True)
def fresh_allowance():
    """Each test starts with no console requests counted (the cache outlives a test)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sim(make_simulator):
    return make_simulator(client_secret=MARKER_SECRET)


def call(client, endpoint, **fields):
    response = client.post(reverse("console"), {"endpoint": endpoint, **fields})
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def shown_urls(page):
    return [
        html.unescape(url) for url in re.findall(r"data-request-url data-copy>(.*?)</code>", page)
    ]


def shown_rows(page, marker):
    """(name, value) rows of every table with `marker` (e.g. data-request-headers)."""
    rows = []
    for table in re.findall(rf"<table [^>]*{marker}>(.*?)</table>", page, re.S):
        for name, value in re.findall(r'<th scope="row">(.*?)</th><td><code>(.*?)</code>', table):
            rows.append((html.unescape(name), html.unescape(value)))
    return rows


def shown_statuses(page):
    return re.findall(r"data-response-status>(\d{3}) ", page)


def outcome_of(page):
    match = re.search(r'data-outcome="(\w+)"', page)
    return match and match.group(1)


def processing_attempt(sim):
    """A submitted attempt whose evidence AutoProctor is still processing."""
    return next(
        each
        for each, attempt in sim.dataset.attempts.items()
        if attempt["submitted_at"] and attempt["evidence_status"] == "processing"
    )


def processed_attempt_with_files(sim):
    return next(
        each
        for each, attempt in sim.dataset.attempts.items()
        if attempt["evidence_status"] == "processed" and sim.dataset.evidence_paths(each)
    )


# --- what is sent and what is shown ---------------------------------------------------------


def test_the_request_shown_is_the_request_the_simulator_received(sim, test_admin_client):
    page = call(test_admin_client, "results", page="1", lookup_key="")

    (received,) = sim.requests
    (url,) = shown_urls(page)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == sim.base_url
    assert parts.path + "?" + parts.query == received.target
    headers = dict(shown_rows(page, "data-request-headers"))
    assert headers, "the page shows the request headers"
    for name, value in headers.items():
        assert received.headers[name] == value
    assert {name.lower() for name in received.headers} - {n.lower() for n in headers} <= (
        LIBRARY_HEADERS
    )
    query = dict(shown_rows(page, "data-request-query"))
    assert query == received.query
    assert query["hashedUnixTimestamp"] == sign(query["unixTimestamp"], MARKER_SECRET)
    assert shown_statuses(page) == ["200"]
    assert outcome_of(page) == "ok"
    assert "Page 1: 30 attempts of 30 in all." in page


def test_the_usage_call_shows_its_three_signed_headers_as_received(sim, test_admin_client):
    page = call(test_admin_client, "usage")

    (received,) = sim.requests
    headers = dict(shown_rows(page, "data-request-headers"))
    id_header, stamp_header, signature_header = sim.usage_headers
    for name in (id_header, stamp_header, signature_header):
        assert headers[name] == received.headers[name]
    assert headers[signature_header] == sign(headers[stamp_header], MARKER_SECRET)
    usage = sim.dataset.usage()
    assert f"{usage['credits_remaining']} credits remaining" in page


def test_the_response_body_is_shown_pretty_printed_with_its_headers(sim, test_admin_client):
    test_attempt_id = sim.dataset.listing()[5]
    page = call(test_admin_client, "attempt", test_attempt_id=test_attempt_id)

    body = html.unescape(re.search(r"data-response-body data-copy>(.*?)</pre>", page, re.S)[1])
    assert body.startswith('{\n  "status": "success",')
    assert f'"test_attempt_id": "{test_attempt_id}"' in body
    response_headers = dict(shown_rows(page, "data-response-headers"))
    assert response_headers["Content-Type"].startswith("application/json")
    assert "in progress" in page or "submitted" in page


def test_a_presign_call_shows_its_json_body(sim, test_admin_client):
    test_attempt_id = processed_attempt_with_files(sim)
    paths = sorted(sim.dataset.evidence_paths(test_attempt_id))[:2]

    page = call(
        test_admin_client,
        "presign",
        test_attempt_id=test_attempt_id,
        paths="\n".join([*paths, "not/its/file.png", ""]),
    )

    (received,) = sim.requests
    assert received.method == "POST"
    assert html.unescape(page).count(paths[0]) >= 2  # in the request body and in the answer
    assert "2 of 3 paths signed" in page


def test_a_retried_call_shows_both_attempts_in_order(sim, test_admin_client):
    sim.inject("server_error", path_contains="/usage/", status=503)

    page = call(test_admin_client, "usage")

    assert shown_statuses(page) == ["503", "200"]
    assert "Request 2 of 2 (retry)" in page
    assert outcome_of(page) == "ok"


def test_the_evidence_file_url_leads_to_the_evidence_json_and_then_to_presigning(
    sim, test_admin_client
):
    test_attempt_id = processed_attempt_with_files(sim)
    page = call(test_admin_client, "evidence_file_url", test_attempt_id=test_attempt_id)
    file_url = html.unescape(re.search(r'name="file_url" value="([^"]+)"', page)[1])
    assert "/s3/" in file_url

    page = call(test_admin_client, "evidence_json", file_url=file_url)

    assert outcome_of(page) == "ok"
    assert sim.requests[-1].target == file_url[len(sim.base_url) :]
    assert "hashed_test_attempt_id" not in sim.requests[-1].target  # a plain, unsigned GET
    expected_files = len(sim.dataset.evidence_paths(test_attempt_id))
    assert f"{expected_files} files kept" in page

    presign_form = test_admin_client.get(reverse("console"), {"endpoint": "presign"})
    form_page = html.unescape(presign_form.content.decode())
    assert f'value="{test_attempt_id}"' in form_page
    assert all(path in form_page for path in sim.dataset.evidence_paths(test_attempt_id))


def test_a_failed_call_names_the_problem_and_shows_the_answer(sim, test_admin_client, settings):
    settings.AUTOPROCTOR_CLIENT_SECRET = "not-the-right-secret"

    page = call(test_admin_client, "results", page="1")

    assert outcome_of(page) == "failed"
    # The refused call, the attempt-signed call that proves the secret wrong, and the other
    # authentication forms tried once each (autoproctor/auth.py): every one shown.
    assert shown_statuses(page) == ["403"] * 5
    assert "AUTOPROCTOR_CLIENT_ID / AUTOPROCTOR_CLIENT_SECRET" in page
    assert "the client secret (or the client id) is wrong" in page
    assert "not-the-right-secret" not in page


def test_without_credentials_the_console_says_what_to_set_and_sends_nothing(
    sim, test_admin_client, settings
):
    settings.AUTOPROCTOR_CLIENT_SECRET = ""

    page = call(test_admin_client, "usage")

    assert "AutoProctor is not configured: set AUTOPROCTOR_CLIENT_SECRET" in page
    assert list(sim.requests) == []


def test_input_and_answers_are_escaped(sim, test_admin_client):
    page = call(test_admin_client, "attempt", test_attempt_id="<script>alert(1)</script>")

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # This id's hash contains "/", so the call is also tried in the other form.
    assert set(shown_statuses(page)) == {"404"}


def test_a_form_error_sends_nothing(sim, test_admin_client):
    page = call(test_admin_client, "results", page="0")

    assert "Ensure this value is greater than or equal to 1." in page
    assert list(sim.requests) == []
    assert not AuditEvent.objects.exists()


def test_an_unknown_endpoint_is_not_found(sim, test_admin_client):
    response = test_admin_client.post(reverse("console"), {"endpoint": "delete_everything"})
    assert response.status_code == 404
    assert list(sim.requests) == []


# --- where calls may go ---------------------------------------------------------------------


def test_a_crafted_post_cannot_send_a_signed_call_to_another_host(
    sim, make_simulator, test_admin_client
):
    elsewhere = make_simulator(point_settings=False, client_secret="other-secret")
    test_attempt_id = processed_attempt_with_files(sim)

    for endpoint in ("results", "attempt", "evidence_file_url", "usage"):
        call(
            test_admin_client,
            endpoint,
            test_attempt_id=test_attempt_id,
            page="1",
            base_url=elsewhere.base_url,
            host=urlsplit(elsewhere.base_url).netloc,
            url=elsewhere.base_url + "/api/v2/usage/",
            file_url=elsewhere.base_url + "/api/v2/usage/",
            client_id=elsewhere.client_id,
        )

    assert list(elsewhere.requests) == []
    assert len(sim.requests) == 4
    assert all(r.status == 200 for r in sim.requests)


def test_the_evidence_json_step_refuses_a_host_autoproctor_did_not_hand_out(
    sim, make_simulator, test_admin_client
):
    elsewhere = make_simulator(point_settings=False)

    page = call(test_admin_client, "evidence_json", file_url=elsewhere.base_url + "/s3/x.json")

    assert "fetches evidence only from AutoProctor" in page
    assert list(elsewhere.requests) == []
    for trick in (
        f"{sim.base_url}@{urlsplit(elsewhere.base_url).netloc}/s3/x.json",
        f"{sim.base_url}\\@{urlsplit(elsewhere.base_url).netloc}/s3/x.json",
        "file:///etc/passwd",
        "gopher://127.0.0.1/",
    ):
        page = call(test_admin_client, "evidence_json", file_url=trick)
        assert outcome_of(page) is None, trick
    assert list(elsewhere.requests) == []
    assert list(sim.requests) == []


def test_a_host_the_evidence_file_url_endpoint_returned_may_be_fetched_in_that_session_only(
    sim, make_simulator, test_admin_client, test_admin
):
    storage = make_simulator(point_settings=False)
    real_url = storage.base_url + "/s3/ap-evidence/nothing.json"
    sim.inject(
        "wrong_shape",
        path_contains="evidence-records-file-url",
        body={"all_evidence_records_file_url": real_url},
    )
    test_attempt_id = processed_attempt_with_files(sim)

    refused = call(test_admin_client, "evidence_json", file_url=real_url)
    assert "fetches evidence only from AutoProctor" in refused
    call(test_admin_client, "evidence_file_url", test_attempt_id=test_attempt_id)
    fetched = call(test_admin_client, "evidence_json", file_url=real_url)

    assert [r.path for r in storage.requests] == ["/s3/ap-evidence/nothing.json"]
    assert shown_statuses(fetched) == ["403"]  # the storage host's own refusal, shown
    other_session = Client()
    other_session.force_login(test_admin)
    assert "fetches evidence only from AutoProctor" in call(
        other_session, "evidence_json", file_url=real_url
    )
    assert len(storage.requests) == 1


# --- the evidence flow ----------------------------------------------------------------------


def walk(client, test_attempt_id):
    response = client.post(reverse("console-walk"), {"test_attempt_id": test_attempt_id})
    assert response.status_code == 200
    return response.content.decode()


def step_states(page):
    return re.findall(r'data-step="(\d)" data-state="([a-z ]+)"', page)


def test_walking_an_attempt_still_processing_stops_at_the_file_url_and_says_why(
    sim, test_admin_client
):
    test_attempt_id = processing_attempt(sim)

    page = walk(test_admin_client, test_attempt_id)

    assert step_states(page) == [("1", "done"), ("2", "failed"), ("3", "not run"), ("4", "not run")]
    assert (
        "Stopped at step 2, evidence file url: AutoProctor is still processing this "
        "attempt&#x27;s evidence; try again in a few minutes." in page
    )
    assert "evidence processing" in page  # step 1 already showed the status
    assert [r.status for r in sim.requests] == [200, 400]


def test_walking_a_processed_attempt_runs_the_four_calls_in_order(sim, test_admin_client):
    test_attempt_id = processed_attempt_with_files(sim)

    page = walk(test_admin_client, test_attempt_id)

    assert step_states(page) == [("1", "done"), ("2", "done"), ("3", "done"), ("4", "done")]
    assert "Every step answered." in page
    paths = [r.path for r in sim.requests]
    assert "/api/v2/test-attempts/" in paths[0]
    assert paths[1].endswith("/evidence-records-file-url/")
    assert paths[2].startswith("/s3/ap-evidence/evidence-records/")
    assert paths[3].endswith("/presigned-urls/")
    assert len(paths) == 4
    files = len(sim.dataset.evidence_paths(test_attempt_id))
    assert f"{files} of {files} paths signed" in page
    assert shown_urls(page)[2] == sim.base_url + sim.requests[2].target


def test_a_walk_that_finds_no_attempt_stops_at_the_first_step(sim, test_admin_client):
    page = walk(test_admin_client, "no-such-attempt")

    assert step_states(page) == [
        ("1", "failed"),
        ("2", "not run"),
        ("3", "not run"),
        ("4", "not run"),
    ]
    assert "AutoProctor knows no attempt &#x27;no-such-attempt&#x27;" in page
    # Its hash contains "/": both forms of the one-attempt call were tried, nothing after.
    assert {request.path.split("/")[3] for request in sim.requests} == {"test-attempts"}
    assert len(sim.requests) == 2


# --- audit and rate limit -------------------------------------------------------------------


def test_console_requests_are_audited_with_endpoint_and_parameters(sim, test_admin_client):
    synced = make_attempt(client_id=sim.client_id, test_attempt_id=sim.dataset.listing()[7])
    call(test_admin_client, "attempt", test_attempt_id=synced.test_attempt_id)
    call(test_admin_client, "results", page="1", lookup_key="maths-101")
    walk(test_admin_client, processed_attempt_with_files(sim))

    walked, results, attempt = AuditEvent.objects.order_by("-id")[:3]
    assert attempt.action == results.action == walked.action == "console.request"
    assert attempt.username == "bob"
    assert attempt.attempt == synced
    assert attempt.detail == {
        "endpoint": "attempt",
        "parameters": {"test_attempt_id": synced.test_attempt_id},
        "statuses": [200],
        "error": "",
    }
    assert results.detail["parameters"] == {"page": 1, "lookup_key": "maths-101"}
    assert walked.detail["endpoint"] == "evidence flow"
    assert walked.detail["statuses"] == [200, 200, 200, 200]


def test_the_audit_keeps_only_the_host_of_a_temporary_url(sim, test_admin_client):
    page = call(
        test_admin_client, "evidence_file_url", test_attempt_id=processed_attempt_with_files(sim)
    )
    file_url = html.unescape(re.search(r'name="file_url" value="([^"]+)"', page)[1])
    call(test_admin_client, "evidence_json", file_url=file_url)

    event = AuditEvent.objects.latest("id")
    assert event.detail["parameters"] == {"file_host": urlsplit(sim.base_url).netloc}
    assert "X-Amz-Signature" not in str(event.detail) + event.summary


def test_the_31st_request_in_a_minute_is_refused_with_when_to_retry(
    sim, test_admin_client, proctor, monkeypatch
):
    minute = 1_700_000_080  # 40 s into a minute: the count starts again in 20 s
    monkeypatch.setattr(console_ratelimit, "clock", lambda: minute + 0.5)
    for _ in range(console_ratelimit.REQUESTS_PER_MINUTE):
        call(test_admin_client, "usage")

    refused = test_admin_client.post(reverse("console"), {"endpoint": "usage"})

    assert refused.status_code == 429
    assert refused["Retry-After"] == "20"
    assert "Try again in 20 seconds" in refused.content.decode()
    assert len(sim.requests) == 30
    assert AuditEvent.objects.count() == 30
    walk_refused = test_admin_client.post(reverse("console-walk"), {"test_attempt_id": "x"})
    assert walk_refused.status_code == 429
    monkeypatch.setattr(console_ratelimit, "clock", lambda: minute + 21)
    call(test_admin_client, "usage")
    assert len(sim.requests) == 31


def test_the_allowance_is_per_user(sim, test_admin_client, django_user_model, monkeypatch):
    from access.roles import TEST_ADMIN
    from tests.fixtures.personas import logged_in, make_user

    monkeypatch.setattr(console_ratelimit, "clock", lambda: 1_700_000_000.0)
    for _ in range(console_ratelimit.REQUESTS_PER_MINUTE):
        console_ratelimit.spend(django_user_model.objects.get(username="bob"))
    assert test_admin_client.post(reverse("console"), {"endpoint": "usage"}).status_code == 429

    other = logged_in(make_user("dora", TEST_ADMIN))
    assert outcome_of(call(other, "usage")) == "ok"


def test_a_walk_counts_as_its_four_calls(sim, test_admin_client, test_admin, monkeypatch):
    monkeypatch.setattr(console_ratelimit, "clock", lambda: 1_700_000_000.0)
    for _ in range(console_ratelimit.REQUESTS_PER_MINUTE - 3):
        console_ratelimit.spend(test_admin)

    response = test_admin_client.post(reverse("console-walk"), {"test_attempt_id": "x"})

    assert response.status_code == 429
    assert list(sim.requests) == []


# --- CSRF and the secret --------------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused_and_sends_nothing(sim, test_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(test_admin)

    for name in ("console", "console-walk", "console-signature"):
        response = client.post(
            reverse(name), {"endpoint": "usage", "test_attempt_id": "x", "message": "x"}
        )
        assert response.status_code == 403
    assert list(sim.requests) == []


def test_every_console_page_is_a_form_posted_with_a_csrf_token(sim, test_admin_client):
    for name in ("console", "console-walk", "console-signature"):
        page = test_admin_client.get(reverse(name)).content.decode()
        forms = re.findall(r"<form [^>]*>", page)
        own = [form for form in forms if "logout" not in form]
        assert own and all('method="post"' in form for form in own), name
        assert page.count("csrfmiddlewaretoken") == len(forms)


def test_the_secret_never_reaches_a_page_a_header_or_the_audit_trail(
    sim, test_admin_client, monkeypatch
):
    # A server that echoes the secret back: the page masks it too.
    sim.inject("wrong_shape", path_contains="/usage/", body={"message": f"bad {MARKER_SECRET}"})
    processed = processed_attempt_with_files(sim)
    responses = [test_admin_client.get(reverse(name)) for name in ("console", "console-walk")]
    responses += [
        test_admin_client.get(reverse("console"), {"endpoint": key})
        for key in ("results", "attempt", "evidence_file_url", "evidence_json", "presign", "usage")
    ]
    responses.append(test_admin_client.get(reverse("console-signature")))
    echoed = test_admin_client.post(reverse("console"), {"endpoint": "usage"})
    responses.append(echoed)
    for endpoint, fields in [
        ("results", {"page": "1"}),
        ("attempt", {"test_attempt_id": processed}),
        ("evidence_file_url", {"test_attempt_id": processed}),
        ("evidence_file_url", {"test_attempt_id": processing_attempt(sim)}),
        ("presign", {"test_attempt_id": processed, "paths": "a/b.png"}),
    ]:
        responses.append(
            test_admin_client.post(reverse("console"), {"endpoint": endpoint, **fields})
        )
    file_url = re.search(r'name="file_url" value="([^"]+)"', responses[-3].content.decode())[1]
    responses.append(
        test_admin_client.post(
            reverse("console"), {"endpoint": "evidence_json", "file_url": html.unescape(file_url)}
        )
    )
    responses.append(
        test_admin_client.post(reverse("console-walk"), {"test_attempt_id": processed})
    )
    responses.append(
        test_admin_client.post(
            reverse("console-signature"), {"message": processed, "signature": "abc"}
        )
    )
    monkeypatch.setattr(console_ratelimit, "REQUESTS_PER_MINUTE", 0)
    responses.append(test_admin_client.post(reverse("console"), {"endpoint": "usage"}))

    assert responses[-1].status_code == 429
    assert "bad ********" in echoed.content.decode()  # the echoed secret, masked
    for response in responses:
        assert MARKER_SECRET not in response.content.decode()
        assert MARKER_SECRET not in str(response.headers)
    for event in AuditEvent.objects.all():
        assert MARKER_SECRET not in f"{event.summary} {event.detail}"


def test_the_console_and_sync_links_are_shown_only_to_those_who_may_use_them(
    proctor_client, test_admin_client
):
    links = (f'href="{reverse("console")}"', f'href="{reverse("sync-status")}"')
    admin_page = test_admin_client.get(reverse("overview")).content.decode()
    proctor_page = proctor_client.get(reverse("overview")).content.decode()

    assert all(link in admin_page for link in links)
    assert not any(link in proctor_page for link in links)


def test_the_console_signs_tenant_calls_in_the_form_the_api_profile_learned(
    make_simulator, test_admin_client
):
    simulator = make_simulator(dialects=("millisecond-timestamps", "hex-signatures"))
    ApiProfile.objects.create(
        base_url=simulator.base_url,
        client_id=simulator.client_id,
        timestamp_unit="milliseconds",
        signature_encoding="hex",
    )

    page = call(test_admin_client, "usage")

    assert outcome_of(page) == "ok"
    assert shown_statuses(page) == ["200"]


def test_an_attempt_id_never_synced_is_called_but_its_signature_not_shown(sim, test_admin_client):
    """The signature tool refuses a never-synced id's signature (a credential that never
    expires); the attempt call follows the same rule: the request line hides it."""
    test_attempt_id = sim.dataset.listing()[5]
    signature = sign(test_attempt_id, MARKER_SECRET)

    page = html.unescape(call(test_admin_client, "attempt", test_attempt_id=test_attempt_id))

    (received,) = sim.requests
    assert quote(signature, safe="") in received.target  # it was sent
    assert signature not in page and quote(signature, safe="") not in page
    assert "never synced: not shown" in page
    refused = test_admin_client.post(reverse("console-signature"), {"message": test_attempt_id})
    assert signature not in html.unescape(refused.content.decode())


def test_a_synced_attempt_ids_signature_is_shown_in_the_call_and_the_tool(sim, test_admin_client):
    test_attempt_id = sim.dataset.listing()[5]
    make_attempt(test_attempt_id=test_attempt_id, client_id=settings.AUTOPROCTOR_CLIENT_ID)
    signature = sign(test_attempt_id, MARKER_SECRET)

    page = html.unescape(call(test_admin_client, "attempt", test_attempt_id=test_attempt_id))

    assert quote(signature, safe="") in page or signature in page
    assert "never synced" not in page
