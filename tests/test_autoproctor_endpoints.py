"""The AutoProctor client against the simulator over real HTTP: every endpoint's happy path.

These are contract tests: the simulator implements docs/autoproctor-api.md independently, so a
client that builds a path, a query or a signature wrongly gets a refusal here.
"""

from datetime import timedelta
from urllib.parse import quote

import pytest

from autoproctor import (
    AttemptData,
    EvidenceRecordData,
    Exchange,
    NotFound,
    PresignedUrl,
    sign,
)
from proctoring.api_client import client_from_settings

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Far enough on that every submitted attempt's evidence is processed.
EVIDENCE_READY = 600


def _id_with(simulator, characters: str) -> str:
    """The first simulated attempt id containing `characters`."""
    return next(each for each in simulator.dataset.listing() if characters in each)


def _first_with_evidence(simulator, client, *, label=None, device=None) -> str:
    for test_attempt_id, attempt in simulator.dataset.attempts.items():
        if attempt["evidence_status"] != "processed":
            continue
        evidence = simulator.dataset.evidence_json(test_attempt_id)
        records = evidence["primary_device_evidence"] + evidence.get("aux_device_evidence", [])
        if label and not any(r["label"] == label for r in records):
            continue
        if device and not evidence.get(f"{device}_device_evidence"):
            continue
        return test_attempt_id
    raise AssertionError("the simulated dataset has no such attempt")


# --- results ----------------------------------------------------------------------------------


def test_it_reads_every_results_page_in_the_servers_order(make_simulator, make_client):
    simulator = make_simulator(attempts=250)
    pages = list(make_client(simulator).iter_result_pages())

    assert [page.number for page in pages] == [1, 2, 3]
    assert [len(page.attempts) for page in pages] == [100, 100, 50]
    assert {page.total for page in pages} == {250}
    assert all(page.problems == [] for page in pages)
    fetched = [attempt.test_attempt_id for page in pages for attempt in page.attempts]
    assert fetched == list(simulator.dataset.listing())


def test_each_page_is_signed_with_a_fresh_timestamp_while_the_clock_moves(
    make_simulator, make_client
):
    simulator = make_simulator(attempts=350)
    client = make_client(simulator)
    fetched = []
    for page in client.iter_result_pages():
        fetched.append(page.number)
        # 40 s per page: a timestamp replayed from page 1's `next` link is stale by page 3.
        simulator.clock.advance(40)

    assert fetched == [1, 2, 3, 4]
    calls = [r for r in simulator.requests if "/results/" in r.path]
    assert [r.status for r in calls] == [200, 200, 200, 200]
    timestamps = [r.query["unixTimestamp"] for r in calls]
    assert len(set(timestamps)) == 4
    for call in calls:
        assert abs(int(call.query["unixTimestamp"]) - call.at) < 2
        assert call.query["hashedUnixTimestamp"] == sign(
            call.query["unixTimestamp"], simulator.client_secret
        )
    assert [r.query.get("page") for r in calls] == ["1", "2", "3", "4"]


def test_results_can_be_limited_to_one_lookup_key_on_every_page(make_simulator, make_client):
    simulator = make_simulator(attempts=800)
    key = max(simulator.dataset.usage()["usage_by_lookup_key"], key=lambda row: row["attempts"])[
        "lookup_key"
    ]
    expected = simulator.dataset.listing(key)
    assert len(expected) > 100, "the test needs a key spanning two pages"

    pages = list(make_client(simulator).iter_result_pages(lookup_key=key))

    assert len(pages) == -(-len(expected) // 100)
    assert [a.test_attempt_id for p in pages for a in p.attempts] == list(expected)
    assert {r.query.get("lookupKey") for r in simulator.requests} == {key}


def test_one_results_page_is_fetched_by_its_number_and_lookup_key(make_simulator, make_client):
    simulator = make_simulator(attempts=250)
    key = max(simulator.dataset.usage()["usage_by_lookup_key"], key=lambda row: row["attempts"])[
        "lookup_key"
    ]
    client = make_client(simulator)

    second = client.get_result_page(2)
    keyed = client.get_result_page(1, lookup_key=key)

    assert second.number == 2
    assert second.total == 250
    assert [a.test_attempt_id for a in second.attempts] == simulator.dataset.listing()[100:200]
    assert [a.test_attempt_id for a in keyed.attempts] == simulator.dataset.listing(key)[:100]
    first_call, keyed_call = simulator.requests
    assert first_call.query["page"] == "2" and "lookupKey" not in first_call.query
    assert keyed_call.query["lookupKey"] == key
    assert keyed_call.query["hashedUnixTimestamp"] == sign(
        keyed_call.query["unixTimestamp"], simulator.client_secret
    )


def test_a_results_page_past_the_end_is_not_found_and_a_page_below_one_is_refused(
    simulator, api_client
):
    with pytest.raises(NotFound) as missing:
        api_client.get_result_page(9)
    assert missing.value.endpoint == "results"
    for wrong in (0, -1, "2", True):
        with pytest.raises(ValueError, match="page number"):
            api_client.get_result_page(wrong)
    assert len(simulator.requests) == 1


def test_a_bare_json_list_of_attempts_is_one_page(simulator, api_client):
    attempts = list(simulator.dataset.attempts.values())[:3]
    simulator.inject("wrong_shape", path_contains="/results/", body=attempts)

    pages = list(api_client.iter_result_pages())

    assert len(pages) == 1
    assert [a.test_attempt_id for a in pages[0].attempts] == [
        a["test_attempt_id"] for a in attempts
    ]
    assert pages[0].total is None


def test_an_object_with_results_and_no_next_is_the_last_page(simulator, api_client):
    attempts = list(simulator.dataset.attempts.values())[:2]
    simulator.inject("wrong_shape", path_contains="/results/", body={"results": attempts})

    pages = list(api_client.iter_result_pages())

    assert [len(page.attempts) for page in pages] == [2]
    assert len(simulator.requests) == 1


def test_an_attempt_that_cannot_be_stored_is_reported_and_the_rest_of_the_page_kept(
    simulator, api_client
):
    broken = simulator.dataset.listing()[4]
    simulator.dataset.update(broken, trust_score=1.7)

    (page,) = list(api_client.iter_result_pages())

    assert broken not in [a.test_attempt_id for a in page.attempts]
    assert len(page.attempts) == 29
    assert [(p.item, p.field) for p in page.problems] == [(f"attempt {broken!r}", "trust_score")]


def test_unknown_attempt_fields_are_kept_in_raw(simulator, api_client):
    simulator.dataset.update(simulator.dataset.listing()[0], proctoring_region="eu-west")

    (page,) = list(api_client.iter_result_pages())

    assert page.attempts[0].raw["proctoring_region"] == "eu-west"


# --- one attempt ------------------------------------------------------------------------------


def test_one_attempt_is_fetched_by_its_hashed_id_in_the_path(simulator, api_client):
    test_attempt_id = simulator.dataset.listing()[6]

    attempt = api_client.get_attempt(test_attempt_id)

    sent = simulator.dataset.get(test_attempt_id)
    assert isinstance(attempt, AttemptData)
    assert attempt.test_attempt_id == test_attempt_id
    assert attempt.trust_score == sent["trust_score"]
    assert attempt.evidence_status == sent["evidence_status"]
    assert attempt.candidate_email == sent["user_details"]["email"]
    (call,) = simulator.requests
    hashed = quote(sign(test_attempt_id, simulator.client_secret), safe="")
    assert call.path == f"/api/v2/test-attempts/{hashed}/"
    assert call.query == {"clientId": simulator.client_id}


def test_an_attempt_without_candidate_device_or_lookup_key_has_nones(simulator, api_client):
    anonymous = next(
        i for i, a in simulator.dataset.attempts.items() if a.get("user_details") is None
    )

    attempt = api_client.get_attempt(anonymous)

    assert attempt.candidate_name is None
    assert attempt.candidate_email is None
    assert attempt.lookup_key is None
    assert attempt.device is None


ODD_CHARACTERS = ["/", "+", " ", "#", "?", "李"]


@pytest.mark.parametrize("characters", ODD_CHARACTERS)
def test_ids_that_need_percent_encoding_reach_the_one_attempt_call(
    simulator, api_client, characters
):
    test_attempt_id = _id_with(simulator, characters)

    assert api_client.get_attempt(test_attempt_id).test_attempt_id == test_attempt_id


@pytest.mark.parametrize("characters", ODD_CHARACTERS)
def test_ids_that_need_percent_encoding_reach_the_evidence_url_and_presign_calls(
    simulator, api_client, characters
):
    simulator.clock.advance(EVIDENCE_READY)
    test_attempt_id = _id_with(simulator, characters)

    file_url = api_client.get_evidence_file_url(test_attempt_id)
    bundle = api_client.get_evidence(file_url)
    paths = [record.s3_path for record in bundle.records if record.s3_path]
    urls = api_client.presign(test_attempt_id, paths)

    assert paths and sorted(urls) == sorted(paths)
    encoded = quote(test_attempt_id, safe="")
    api_calls = [r for r in simulator.requests if r.path.startswith("/api/")]
    assert [r.path.split("/")[4] for r in api_calls] == [encoded, encoded]
    assert all(r.status == 200 for r in simulator.requests)


# --- evidence ---------------------------------------------------------------------------------


def test_the_evidence_json_becomes_records_in_device_order(simulator, api_client):
    simulator.clock.advance(EVIDENCE_READY)
    test_attempt_id = _first_with_evidence(simulator, api_client, device="aux")

    file_url = api_client.get_evidence_file_url(test_attempt_id)
    bundle = api_client.get_evidence(file_url)

    sent = simulator.dataset.evidence_json(test_attempt_id)
    expected = [
        (device, position, record["label"], record["violation"], record["evidence_url"])
        for device in ("primary", "aux")
        for position, record in enumerate(sent[f"{device}_device_evidence"])
    ]
    got = [(r.device, r.position, r.label, r.is_violation, r.s3_path) for r in bundle.records]
    assert got == expected
    assert bundle.problems == []
    assert all(isinstance(r, EvidenceRecordData) for r in bundle.records)
    assert all(r.occurred_at is not None and r.occurred_at.tzinfo for r in bundle.records)
    with_files = [r for r in bundle.records if r.s3_path]
    assert {r.data_type for r in with_files} <= {"image", "audio"}
    assert all(r.data_type == "none" for r in bundle.records if not r.s3_path)


def test_the_evidence_url_is_fetched_without_a_signature(simulator, api_client):
    simulator.clock.advance(EVIDENCE_READY)
    test_attempt_id = _first_with_evidence(simulator, api_client)

    api_client.get_evidence(api_client.get_evidence_file_url(test_attempt_id))

    storage_call = simulator.requests[-1]
    assert storage_call.path.startswith("/s3/")
    assert "hashed_test_attempt_id" not in storage_call.query
    assert "clientId" not in storage_call.query


def test_an_unknown_evidence_label_is_kept_as_sent(simulator, api_client):
    simulator.clock.advance(EVIDENCE_READY)
    known = {
        "no-face-looking-at-camera",
        "multiple-faces-detected",
        "noise-detected",
        "tab-switch",
        "random-photo-taken",
        "test-taker-photo",
        "photo-taken",
        "multiple-monitors-detected",
        "exited-full-screen",
        "went-offline",
    }
    for test_attempt_id, attempt in simulator.dataset.attempts.items():
        if attempt["evidence_status"] != "processed":
            continue
        sent = simulator.dataset.evidence_json(test_attempt_id)
        labels = {r["label"] for r in sent["primary_device_evidence"]} - known
        if labels:
            break
    else:
        raise AssertionError("the simulated dataset has no unknown label")

    bundle = api_client.get_evidence(api_client.get_evidence_file_url(test_attempt_id))

    assert labels <= {record.label for record in bundle.records}


# --- presigned URLs and files -----------------------------------------------------------------


def test_presigned_urls_expire_when_the_url_says(simulator, api_client):
    simulator.clock.advance(EVIDENCE_READY)
    test_attempt_id = _first_with_evidence(simulator, api_client)
    paths = sorted(simulator.dataset.evidence_paths(test_attempt_id))

    urls = api_client.presign(test_attempt_id, paths)

    assert sorted(urls) == paths
    presigned = urls[paths[0]]
    assert isinstance(presigned, PresignedUrl)
    assert presigned.path == paths[0]
    from datetime import UTC, datetime

    issued = datetime.fromtimestamp(int(simulator.clock.now()), UTC)
    assert abs(presigned.expires_at - (issued + timedelta(minutes=15))) <= timedelta(seconds=2)
    (call,) = [r for r in simulator.requests if r.method == "POST"]
    assert call.query["clientId"] == simulator.client_id
    assert call.query["hashed_test_attempt_id"] == sign(test_attempt_id, simulator.client_secret)


def test_paths_that_are_not_the_attempts_files_are_left_out(simulator, api_client):
    simulator.clock.advance(EVIDENCE_READY)
    test_attempt_id = _first_with_evidence(simulator, api_client)
    path = sorted(simulator.dataset.evidence_paths(test_attempt_id))[0]

    urls = api_client.presign(test_attempt_id, [path, "somebody/else/photo.png"])

    assert list(urls) == [path]


def test_presigning_nothing_sends_nothing(simulator, api_client):
    assert api_client.presign(simulator.dataset.listing()[5], []) == {}
    assert simulator.requests == []


def test_the_presign_path_comes_from_settings(make_simulator, make_client):
    simulator = make_simulator(presign_path="/api/v3/evidence/{test_attempt_id}/sign/")
    simulator.clock.advance(EVIDENCE_READY)
    test_attempt_id = _id_with(simulator, "/")
    paths = sorted(simulator.dataset.evidence_paths(test_attempt_id))

    urls = make_client(simulator).presign(test_attempt_id, paths)

    assert sorted(urls) == paths
    assert simulator.requests[-1].path == (
        f"/api/v3/evidence/{quote(test_attempt_id, safe='')}/sign/"
    )


def test_an_evidence_file_streams_its_bytes(simulator, api_client):
    simulator.clock.advance(EVIDENCE_READY)
    test_attempt_id = _first_with_evidence(simulator, api_client)
    bundle = api_client.get_evidence(api_client.get_evidence_file_url(test_attempt_id))
    image = next(r for r in bundle.records if r.data_type == "image")
    presigned = api_client.presign(test_attempt_id, [image.s3_path])[image.s3_path]

    with api_client.open_file(presigned.url) as response:
        head = next(response.iter_content(chunk_size=8))

    assert head == PNG_SIGNATURE
    assert response.headers["Content-Type"] == "image/png"


# --- usage ------------------------------------------------------------------------------------


def test_usage_is_read_with_three_signed_headers(simulator, api_client):
    usage = api_client.get_usage()

    expected = simulator.dataset.usage()
    assert usage.credits_remaining == expected["credits_remaining"]
    assert usage.credits_used == expected["credits_used"]
    assert usage.period_start.isoformat() == expected["period_start"]
    assert usage.period_end.isoformat() == expected["period_end"]
    assert usage.usage_by_lookup_key == expected["usage_by_lookup_key"]
    (call,) = simulator.requests
    stamp = call.headers["X-AP-Timestamp"]
    assert call.headers["X-AP-Client-Id"] == simulator.client_id
    assert abs(int(stamp) - call.at) < 2
    assert call.headers["X-AP-Signature"] == sign(stamp, simulator.client_secret)


def test_the_usage_header_names_come_from_settings(make_simulator, make_client):
    names = ("X-Tenant", "X-Time", "X-Hmac")
    simulator = make_simulator(usage_headers=names)

    usage = make_client(simulator, usage_headers=names).get_usage()

    assert usage.credits_used == simulator.dataset.usage()["credits_used"]
    assert set(names) <= set(simulator.requests[0].headers)


# --- the whole walk ---------------------------------------------------------------------------


def test_the_whole_walk_from_results_to_an_evidence_file_and_usage(simulator, settings):
    """What a sync does, through a client configured only by the settings."""
    simulator.clock.advance(EVIDENCE_READY)
    exchanges: list[Exchange] = []
    client = client_from_settings(clock=simulator.clock.now, observer=exchanges.append)

    attempts = [a for page in client.iter_result_pages() for a in page.attempts]
    ready = next(a for a in attempts if a.evidence_ready and a.trust_score is not None)
    attempt = client.get_attempt(ready.test_attempt_id)
    bundle = client.get_evidence(client.get_evidence_file_url(attempt.test_attempt_id))
    paths = [r.s3_path for r in bundle.records if r.s3_path]
    urls = client.presign(attempt.test_attempt_id, paths)
    first_image = next(r for r in bundle.records if r.data_type == "image")
    with client.open_file(urls[first_image.s3_path].url) as response:
        head = response.raw.read(8)
    usage = client.get_usage()
    client.close()

    assert len(attempts) == 30
    assert attempt == ready
    assert bundle.records and sorted(urls) == sorted(paths)
    assert head == PNG_SIGNATURE
    assert usage.credits_used == simulator.dataset.usage()["credits_used"]
    assert [e.status for e in exchanges] == [200] * 7
    assert all(e.elapsed_ms >= 0 and e.request_headers for e in exchanges)
    assert exchanges[0].response_text.startswith('{"status":"success"')
    assert exchanges[-1].method == "GET" and exchanges[-1].url.endswith("/api/v2/usage/")
