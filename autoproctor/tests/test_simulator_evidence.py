"""Evidence from the simulator: the file URL and its 5-minute life, the evidence JSON, and
presigned URLs that serve real PNG and WAV files for 15 minutes and refuse tampering."""

import io
import struct
import wave
import zlib
from datetime import datetime
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

import pytest

from autoproctor.testing.fixtures import SignedCalls


def processed_ids(simulator) -> list[str]:
    return [i for i, a in simulator.dataset.attempts.items() if a["evidence_status"] == "processed"]


def records(evidence: dict):
    for device in ("primary_device_evidence", "aux_device_evidence"):
        yield from ((device, record) for record in evidence[device])


def first_path(evidence: dict, data_type: str) -> str:
    return next(
        record["evidence_url"]
        for _, record in records(evidence)
        if record["evidence_url"] and record["misc_data"].get("data_type") == data_type
    )


def assert_s3_refusal(response, code: str):
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/xml"
    assert f"<Code>{code}</Code>" in response.text


def test_the_evidence_file_url_is_refused_while_evidence_is_processing(simulator, signed):
    processing = next(
        i for i, a in simulator.dataset.attempts.items() if a["evidence_status"] == "processing"
    )

    response = signed.evidence_file_url(processing)

    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert "still being processed" in response.json()["message"]


def test_the_evidence_json_is_served_unsigned_at_the_file_url(simulator, signed):
    for test_attempt_id in processed_ids(simulator):
        url = signed.evidence_file_url(test_attempt_id).json()["all_evidence_records_file_url"]

        fetched = signed.session.get(url)  # no signature, no client id

        assert fetched.status_code == 200
        assert fetched.json() == simulator.dataset.evidence_json(test_attempt_id)


def test_evidence_records_have_the_documented_fields_inside_the_attempt_window(simulator):
    for test_attempt_id, attempt in simulator.dataset.attempts.items():
        if not attempt["submitted_at"]:
            continue
        started = datetime.fromisoformat(attempt["started_at"])
        submitted = datetime.fromisoformat(attempt["submitted_at"])
        for _, record in records(simulator.dataset.evidence_json(test_attempt_id)):
            assert set(record) == {
                "label",
                "violation",
                "occurred_at_ISO",
                "recorded_at_ISO",
                "evidence_url",
                "misc_data",
            }
            occurred = datetime.fromisoformat(record["occurred_at_ISO"])
            assert started <= occurred <= submitted
            assert datetime.fromisoformat(record["recorded_at_ISO"]) >= occurred


def test_the_evidence_has_informational_photos_aux_items_and_an_unknown_label(simulator):
    items = [
        (device, record)
        for test_attempt_id in simulator.dataset.attempts
        for device, record in records(simulator.dataset.evidence_json(test_attempt_id))
    ]
    labels = {record["label"] for _, record in items}

    assert {"random-photo-taken", "test-taker-photo"} <= labels
    assert all(not r["violation"] for _, r in items if r["label"] == "random-photo-taken")
    assert any(device == "aux_device_evidence" for device, _ in items)
    assert labels - {
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


def test_an_attempt_keeps_at_most_thirty_files_and_every_violation_record(simulator):
    counts = []
    for test_attempt_id in simulator.dataset.attempts:
        evidence = simulator.dataset.evidence_json(test_attempt_id)
        files = [r for _, r in records(evidence) if r["evidence_url"]]
        assert len(files) <= 30
        counts.append((len(files), sum(r["violation"] for _, r in records(evidence))))

    assert any(files == 30 and violations > 30 for files, violations in counts)


def test_the_evidence_file_url_expires_after_five_minutes(simulator, signed):
    url = signed.evidence_file_url(processed_ids(simulator)[0]).json()[
        "all_evidence_records_file_url"
    ]
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["300"]

    simulator.clock.advance(295)
    assert signed.session.get(url).status_code == 200
    simulator.clock.advance(10)
    expired = signed.session.get(url)

    assert_s3_refusal(expired, "AccessDenied")
    assert "Request has expired" in expired.text


def test_a_tampered_evidence_file_url_is_refused(simulator, signed):
    first, second = processed_ids(simulator)[:2]
    url = signed.evidence_file_url(first).json()["all_evidence_records_file_url"]
    other = signed.evidence_file_url(second).json()["all_evidence_records_file_url"]
    # Another attempt's file under this URL's signature.
    swapped = urlunsplit(urlsplit(url)._replace(path=urlsplit(other).path))

    assert_s3_refusal(signed.session.get(swapped), "SignatureDoesNotMatch")


@pytest.fixture
def evidence_of_aux_attempt(simulator, signed):
    test_attempt_id = next(
        i
        for i in processed_ids(simulator)
        if simulator.dataset.evidence_json(i)["aux_device_evidence"]
        and any(
            r["misc_data"].get("data_type") == "audio"
            for _, r in records(simulator.dataset.evidence_json(i))
            if r["evidence_url"]
        )
    )
    return test_attempt_id, signed.evidence(test_attempt_id)


def test_presigned_urls_serve_a_real_png(signed, evidence_of_aux_attempt):
    test_attempt_id, evidence = evidence_of_aux_attempt
    path = first_path(evidence, "image")

    urls = signed.presign(test_attempt_id, [path]).json()["urls"]
    image = signed.session.get(urls[path])

    assert image.status_code == 200
    assert image.headers["Content-Type"] == "image/png"
    png = image.content
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    assert (width, height, depth, colour) == (160, 120, 8, 2)
    assert struct.unpack(">I", png[29:33])[0] == zlib.crc32(png[12:29])
    assert png.endswith(b"IEND\xaeB`\x82")


def test_presigned_urls_serve_a_real_wav_as_long_as_the_record_says(
    signed, evidence_of_aux_attempt
):
    test_attempt_id, evidence = evidence_of_aux_attempt
    path = first_path(evidence, "audio")
    record = next(r for _, r in records(evidence) if r["evidence_url"] == path)

    urls = signed.presign(test_attempt_id, [path]).json()["urls"]
    clip = signed.session.get(urls[path])

    assert clip.status_code == 200
    assert clip.headers["Content-Type"] == "audio/wav"
    with wave.open(io.BytesIO(clip.content)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert seconds == record["misc_data"]["duration_s"]


def test_presign_answers_every_path_of_the_attempt_and_leaves_out_others(
    simulator, signed, evidence_of_aux_attempt
):
    test_attempt_id, evidence = evidence_of_aux_attempt
    paths = sorted(simulator.dataset.evidence_paths(test_attempt_id))
    foreign = sorted(simulator.dataset.evidence_paths(processed_ids(simulator)[-1]))[0]

    urls = signed.presign(test_attempt_id, [*paths, foreign, "evidence/made-up.png"]).json()["urls"]

    assert sorted(urls) == paths


def test_presigned_urls_carry_their_expiry_and_expire_after_fifteen_minutes(
    simulator, signed, evidence_of_aux_attempt
):
    test_attempt_id, evidence = evidence_of_aux_attempt
    path = first_path(evidence, "image")
    url = signed.presign(test_attempt_id, [path]).json()["urls"][path]
    query = parse_qs(urlsplit(url).query)
    issued = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").timestamp()

    assert query["X-Amz-Expires"] == ["900"]
    assert issued == pytest.approx(simulator.clock.now(), abs=2)
    simulator.clock.advance(895)
    assert signed.session.get(url).status_code == 200
    simulator.clock.advance(10)
    assert_s3_refusal(signed.session.get(url), "AccessDenied")


def test_a_tampered_presigned_url_is_refused(simulator, signed, evidence_of_aux_attempt):
    test_attempt_id, evidence = evidence_of_aux_attempt
    image, audio = first_path(evidence, "image"), first_path(evidence, "audio")
    urls = signed.presign(test_attempt_id, [image, audio]).json()["urls"]
    parts = urlsplit(urls[image])
    longer = parts._replace(query=parts.query.replace("X-Amz-Expires=900", "X-Amz-Expires=9000"))
    other_file = parts._replace(path=urlsplit(urls[audio]).path)

    assert_s3_refusal(signed.session.get(urlunsplit(longer)), "SignatureDoesNotMatch")
    assert_s3_refusal(signed.session.get(urlunsplit(other_file)), "SignatureDoesNotMatch")


@pytest.mark.parametrize("body", [b"", b"not json", b'{"paths": "one"}', b'{"paths": [1]}'])
def test_presign_refuses_a_body_that_is_not_a_list_of_paths(simulator, signed, body):
    test_attempt_id = processed_ids(simulator)[0]
    url = signed.url(
        simulator.presign_path.format(test_attempt_id=quote(test_attempt_id, safe="")),
        clientId=simulator.client_id,
        hashed_test_attempt_id=signed.sign(test_attempt_id),
    )

    response = signed.session.post(url, data=body)

    assert response.status_code == 400
    assert "paths" in response.json()["message"]


def test_the_presign_path_follows_the_setting(make_simulator):
    simulator = make_simulator(presign_path="/api/v2/evidence/{test_attempt_id}/sign/")
    calls = SignedCalls(simulator)
    test_attempt_id = processed_ids(simulator)[0]
    path = sorted(simulator.dataset.evidence_paths(test_attempt_id))[0]

    assert calls.presign(test_attempt_id, [path]).json()["urls"].keys() == {path}
