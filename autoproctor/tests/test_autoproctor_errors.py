"""Errors a caller can act on: each names the call and what to check, and none shows the secret.

Real HTTP against the simulator: wrong credentials, a wrong clock, evidence not ready, unknown
attempts, expired temporary URLs, and bodies that are not what the contract promises.
"""

import logging
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from autoproctor import (
    AutoProctorError,
    BadCredentials,
    ClockSkew,
    EvidenceUrlExpired,
    MalformedResponse,
    NotFound,
    NotReady,
    RequestRejected,
)

EVIDENCE_READY = 600
CREDENTIALS_HINT = "check AUTOPROCTOR_CLIENT_ID / AUTOPROCTOR_CLIENT_SECRET"


def _processed_id(simulator) -> str:
    simulator.clock.advance(EVIDENCE_READY)
    return simulator.dataset.listing()[7]


# --- credentials and clocks -------------------------------------------------------------------

TENANT_CALLS = {
    "results": lambda client: list(client.iter_result_pages()),
    "usage": lambda client: client.get_usage(),
}


@pytest.mark.parametrize("endpoint", TENANT_CALLS)
def test_a_wrong_secret_is_bad_credentials_on_tenant_calls(simulator, make_client, endpoint):
    client = make_client(client_secret="not-the-secret")

    with pytest.raises(BadCredentials) as raised:
        TENANT_CALLS[endpoint](client)

    assert raised.value.endpoint == endpoint
    assert raised.value.status == 403
    assert CREDENTIALS_HINT in str(raised.value)
    assert endpoint in str(raised.value)
    assert len(simulator.requests) == 1, "a refused signature is not retried"


ATTEMPT_CALLS = {
    "evidence file URL": lambda client, i: client.get_evidence_file_url(i),
    "presigned URLs": lambda client, i: client.presign(i, ["some/path.png"]),
}


@pytest.mark.parametrize("endpoint", ATTEMPT_CALLS)
def test_a_wrong_secret_is_bad_credentials_on_attempt_calls(simulator, make_client, endpoint):
    client = make_client(client_secret="not-the-secret")

    with pytest.raises(BadCredentials) as raised:
        ATTEMPT_CALLS[endpoint](client, _processed_id(simulator))

    assert raised.value.endpoint == endpoint
    assert CREDENTIALS_HINT in str(raised.value)


def test_a_wrong_client_id_is_bad_credentials(simulator, make_client):
    with pytest.raises(BadCredentials) as raised:
        make_client(client_id="someone-else").get_usage()

    assert "Unknown client id" in str(raised.value)
    assert CREDENTIALS_HINT in str(raised.value)


def test_a_wrong_secret_on_the_one_attempt_call_says_to_check_the_secret_too(
    simulator, make_client
):
    # That call finds the attempt by the signature of its id, so it can only say "not found".
    with pytest.raises(NotFound) as raised:
        make_client(client_secret="not-the-secret").get_attempt(simulator.dataset.listing()[7])

    assert "AUTOPROCTOR_CLIENT_SECRET" in str(raised.value)


def test_usage_headers_of_the_wrong_names_are_refused_naming_the_setting(simulator, make_client):
    with pytest.raises(BadCredentials) as raised:
        make_client(usage_headers=("X-Id", "X-Time", "X-Sig")).get_usage()

    assert "needs the headers X-AP-Client-Id" in str(raised.value)
    assert "AUTOPROCTOR_USAGE_HEADERS" in str(raised.value)


def test_a_presign_path_the_server_does_not_take_is_refused_naming_the_setting(
    simulator, make_client
):
    wrong_path = "/api/v2/test-attempts/{test_attempt_id}/evidence-records-file-url/"

    with pytest.raises(RequestRejected) as raised:
        make_client(presign_path=wrong_path).presign(_processed_id(simulator), ["a/b.png"])

    assert raised.value.status == 405
    assert raised.value.endpoint == "presigned URLs"
    assert "AUTOPROCTOR_PRESIGN_PATH" in str(raised.value)


def test_a_base_url_that_is_not_the_api_is_not_found_naming_the_setting(simulator, make_client):
    with pytest.raises(NotFound) as raised:
        list(make_client(base_url=f"{simulator.base_url}/not-the-api").iter_result_pages())

    assert "AUTOPROCTOR_BASE_URL" in str(raised.value)
    assert raised.value.endpoint == "results"


@pytest.mark.parametrize("endpoint", TENANT_CALLS)
def test_a_clock_running_behind_is_clock_skew_saying_by_how_much(simulator, make_client, endpoint):
    simulator.set_clock_skew(300)

    with pytest.raises(ClockSkew) as raised:
        TENANT_CALLS[endpoint](make_client())

    assert raised.value.skew_seconds == pytest.approx(300, abs=2)
    message = str(raised.value)
    assert "behind" in message and "NTP" in message
    assert f"{raised.value.skew_seconds:.0f} s" in message
    assert raised.value.endpoint == endpoint


def test_a_clock_running_ahead_is_clock_skew_too(simulator, make_client):
    simulator.set_clock_skew(-200)

    with pytest.raises(ClockSkew) as raised:
        make_client().get_usage()

    assert raised.value.skew_seconds == pytest.approx(-200, abs=2)
    assert "ahead of" in str(raised.value)


def test_a_clock_a_little_off_but_within_the_window_still_works(simulator, make_client):
    simulator.set_clock_skew(30)

    assert make_client().get_usage().credits_used is not None


def test_bad_credentials_and_clock_skew_are_told_apart(simulator, make_client):
    with pytest.raises(BadCredentials):
        make_client(client_secret="not-the-secret").get_usage()
    simulator.set_clock_skew(120)
    with pytest.raises(ClockSkew):
        make_client().get_usage()


# --- not ready, not found, expired -------------------------------------------------------------


def test_evidence_still_processing_is_not_ready(simulator, make_client):
    processing = next(
        i for i, a in simulator.dataset.attempts.items() if a["evidence_status"] == "processing"
    )

    with pytest.raises(NotReady) as raised:
        make_client().get_evidence_file_url(processing)

    assert processing in str(raised.value)
    assert "processed" in str(raised.value)
    assert raised.value.endpoint == "evidence file URL"


@pytest.mark.parametrize(
    "call",
    [
        lambda client: client.get_attempt("no-such-attempt"),
        lambda client: client.get_evidence_file_url("no-such-attempt"),
        lambda client: client.presign("no-such-attempt", ["a/b.png"]),
    ],
    ids=["attempt", "evidence file URL", "presigned URLs"],
)
def test_an_unknown_attempt_is_not_found(simulator, make_client, call):
    with pytest.raises(NotFound) as raised:
        call(make_client())

    assert raised.value.status == 404
    assert "'no-such-attempt'" in str(raised.value)


def test_an_evidence_url_used_after_it_expired_says_to_ask_for_a_new_one(simulator, make_client):
    client = make_client()
    file_url = client.get_evidence_file_url(_processed_id(simulator))
    simulator.clock.advance(5 * 60 + 5)

    with pytest.raises(EvidenceUrlExpired) as raised:
        client.get_evidence(file_url)

    assert "Request has expired" in str(raised.value)
    assert "new URL" in str(raised.value)
    assert raised.value.endpoint == "evidence JSON"


def test_a_presigned_file_url_used_after_it_expired_is_evidence_url_expired(simulator, make_client):
    client = make_client()
    test_attempt_id = _processed_id(simulator)
    path = sorted(simulator.dataset.evidence_paths(test_attempt_id))[0]
    presigned = client.presign(test_attempt_id, [path])[path]
    simulator.clock.advance(15 * 60 + 5)

    with pytest.raises(EvidenceUrlExpired) as raised:
        client.open_file(presigned.url)

    assert raised.value.endpoint == "evidence file"


def test_a_tampered_evidence_url_is_refused_like_an_expired_one(simulator, make_client):
    client = make_client()
    file_url = client.get_evidence_file_url(_processed_id(simulator))
    parts = urlsplit(file_url)
    query = dict(parse_qsl(parts.query))
    query["X-Amz-Expires"] = "999999"
    tampered = parts._replace(query=urlencode(query)).geturl()

    with pytest.raises(EvidenceUrlExpired) as raised:
        client.get_evidence(tampered)

    assert "signature" in str(raised.value)


# --- bodies that break the contract -----------------------------------------------------------


def test_an_html_page_instead_of_results_is_a_malformed_response(simulator, make_client):
    simulator.inject("malformed", path_contains="/results/")

    with pytest.raises(MalformedResponse) as raised:
        list(make_client().iter_result_pages())

    assert "not JSON" in str(raised.value)
    assert "HTML" in str(raised.value)
    assert "AUTOPROCTOR_BASE_URL" in str(raised.value)


WRONG_SHAPE_CALLS = {
    "results": ("/results/", lambda client, i: list(client.iter_result_pages())),
    "attempt": ("/test-attempts/", lambda client, i: client.get_attempt(i)),
    "evidence file URL": ("/evidence-records-file-url/", lambda c, i: c.get_evidence_file_url(i)),
    "presigned URLs": ("/presigned-urls/", lambda client, i: client.presign(i, ["a/b.png"])),
    "usage": ("/usage/", lambda client, i: client.get_usage()),
}


@pytest.mark.parametrize("endpoint", WRONG_SHAPE_CALLS)
def test_json_of_the_wrong_shape_is_a_malformed_response_naming_the_call(
    simulator, make_client, endpoint
):
    path, call = WRONG_SHAPE_CALLS[endpoint]
    test_attempt_id = _processed_id(simulator)
    simulator.inject("wrong_shape", path_contains=path)

    with pytest.raises(MalformedResponse) as raised:
        call(make_client(), test_attempt_id)

    assert raised.value.endpoint == endpoint
    assert "unexpected shape" in str(raised.value)
    assert endpoint in str(raised.value)


def test_an_evidence_json_cut_in_half_is_a_malformed_response(simulator, make_client):
    client = make_client()
    file_url = client.get_evidence_file_url(_processed_id(simulator))
    simulator.inject("partial_evidence", mode="truncate")

    with pytest.raises(MalformedResponse) as raised:
        client.get_evidence(file_url)

    assert raised.value.endpoint == "evidence JSON"
    assert "not JSON" in str(raised.value)


def test_an_evidence_json_without_the_aux_list_keeps_the_primary_records(simulator, make_client):
    client = make_client()
    test_attempt_id = _processed_id(simulator)
    file_url = client.get_evidence_file_url(test_attempt_id)
    simulator.inject("partial_evidence", mode="missing_aux")

    bundle = client.get_evidence(file_url)

    sent = simulator.dataset.evidence_json(test_attempt_id)["primary_device_evidence"]
    assert [r.label for r in bundle.records] == [r["label"] for r in sent]
    assert {r.device for r in bundle.records} == {"primary"}


def test_evidence_json_of_the_wrong_shape_is_a_malformed_response(simulator, make_client):
    client = make_client()
    file_url = client.get_evidence_file_url(_processed_id(simulator))
    simulator.inject("wrong_shape", path_contains="/s3/")

    with pytest.raises(MalformedResponse) as raised:
        client.get_evidence(file_url)

    assert "primary_device_evidence" in str(raised.value)


def test_a_next_link_that_points_back_stops_the_listing_with_an_error(simulator, make_client):
    attempts = list(simulator.dataset.attempts.values())[:2]
    results_url = f"{simulator.base_url}/api/v2/tenants/{simulator.client_id}/results/"
    simulator.inject(
        "wrong_shape",
        path_contains="/results/",
        times=-1,
        body={"results": attempts, "next": f"{results_url}?page=1"},
    )
    pages = []

    with pytest.raises(MalformedResponse) as raised:
        pages.extend(make_client().iter_result_pages())

    assert [len(page.attempts) for page in pages] == [2]
    assert "loops" in str(raised.value)
    assert len(simulator.requests) == 1


def test_a_credit_figure_that_is_not_a_number_is_a_malformed_response(simulator, make_client):
    simulator.inject("wrong_shape", path_contains="/usage/", body={"credits_remaining": "lots"})

    with pytest.raises(MalformedResponse) as raised:
        make_client().get_usage()

    assert "credits_remaining" in str(raised.value)


# --- the secret stays secret ------------------------------------------------------------------


def test_the_secret_appears_in_no_error_repr_log_line_or_exchange(simulator, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    secret = simulator.client_secret
    exchanges = []
    client = make_client(observer=exchanges.append, max_retries=1)
    test_attempt_id = _processed_id(simulator)
    # A server that echoes the secret back must not get it into our messages either.
    simulator.inject("wrong_shape", path_contains="/usage/", body={"message": f"oops {secret}"})
    simulator.inject("server_error", path_contains="/results/", times=-1, message=secret)
    simulator.inject("slow", path_contains="/presigned-urls/", times=-1, delay=1.0)
    failures = [
        lambda: client.get_usage(),
        lambda: list(client.iter_result_pages()),
        lambda: client.get_attempt("no-such-attempt"),
        lambda: make_client(timeout=0.3, max_retries=1).presign(test_attempt_id, ["a.png"]),
        lambda: make_client(client_secret=secret[::-1]).get_evidence_file_url(test_attempt_id),
    ]
    errors = []
    for failure in failures:
        with pytest.raises(AutoProctorError) as raised:
            failure()
        errors.append(raised.value)
    simulator.set_clock_skew(500)
    with pytest.raises(ClockSkew) as raised:
        client.get_usage()
    errors.append(raised.value)

    assert len({type(e) for e in errors}) == 6
    seen = [str(e) for e in errors] + [repr(e) for e in errors] + [repr(e.args) for e in errors]
    seen += [record.getMessage() for record in caplog.records]
    seen += [repr(exchange) for exchange in exchanges]
    seen += [repr(client), repr(vars(client))]
    assert seen and all(secret not in text for text in seen)
    assert any("oops ********" in text for text in seen)
