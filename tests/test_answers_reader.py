"""What each answer AutoProctor (or its storage) can give means, read by the AnswerReader
(autoproctor/answers.py) from real HTTP answers of a loopback server, one call each.

These messages are what the person at the console or in the sync's log reads to fix the
problem, so each kind is checked word for word: the call, the status, the server's own words
(short, secret masked), and the setting or step to check. The same status means different
things for a call signed with the time, one signed with the attempt id, and a storage URL.
"""

from __future__ import annotations

from email.utils import formatdate

import pytest

from autoproctor import (
    BadCredentials,
    ClockSkew,
    EvidenceUrlExpired,
    MalformedResponse,
    NotFound,
    NotReady,
    RequestRejected,
)
from autoproctor.answers import (
    ATTEMPT,
    EVIDENCE,
    EVIDENCE_FILE_URL,
    FILE,
    PRESIGN,
    RESULTS,
    SIGNED_ATTEMPT,
    SIGNED_TIMESTAMP,
    STORAGE,
    USAGE,
    AnswerReader,
)
from autoproctor.signing import Secret
from tests.support_loopback import Loopback

NOW = 1_700_000_000.0
SECRET = "the-client-secret"
CREDENTIALS = (
    "check AUTOPROCTOR_CLIENT_ID / AUTOPROCTOR_CLIENT_SECRET (both from the same AutoProctor "
    "account)"
)


@pytest.fixture(scope="module")
def server():
    loopback = Loopback().start()
    yield loopback
    loopback.stop()


@pytest.fixture
def reader() -> AnswerReader:
    return AnswerReader(secret=Secret(SECRET), client_id="cid", clock=lambda: NOW)


def date(offset: float) -> dict[str, str]:
    """A Date header `offset` seconds from this server's clock."""
    return {"Date": formatdate(NOW + offset, usegmt=True)}


def refusal(reader, server, endpoint, auth, status, body=b"", headers=None, attempt_id=None):
    with pytest.raises(Exception) as raised:
        reader.check_status(endpoint, server.answer(status, body, headers), auth, attempt_id)
    return raised.value


# --- success -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 204, 299])
def test_every_2xx_answer_is_a_success(reader, server, status):
    assert reader.check_status(RESULTS, server.answer(status), SIGNED_TIMESTAMP) is None


def test_a_300_answer_is_a_refusal_not_a_success(reader, server):
    error = refusal(reader, server, RESULTS, SIGNED_TIMESTAMP, 300)

    assert type(error) is RequestRejected
    assert str(error) == "AutoProctor refused the results call (300)."
    assert (error.endpoint, error.status) == ("results", 300)


# --- temporary storage URLs --------------------------------------------------------------------


@pytest.mark.parametrize(("endpoint", "status"), [(FILE, 400), (EVIDENCE, 403), (EVIDENCE, 404)])
def test_a_storage_url_refused_or_gone_has_expired(reader, server, endpoint, status):
    error = refusal(reader, server, endpoint, STORAGE, status)

    assert type(error) is EvidenceUrlExpired
    assert str(error) == (
        f"The temporary {endpoint} URL no longer works ({status}). Ask AutoProctor for a new "
        "URL and fetch it straight away."
    )
    assert (error.endpoint, error.status) == (endpoint, status)


def test_an_evidence_file_missing_from_storage_is_not_found(reader, server):
    error = refusal(reader, server, FILE, STORAGE, 404)

    assert type(error) is NotFound
    assert str(error) == "The evidence file is not in AutoProctor's storage (404)."
    assert (error.endpoint, error.status) == ("evidence file", 404)


@pytest.mark.parametrize(("endpoint", "status"), [(EVIDENCE, 500), (FILE, 401)])
def test_any_other_storage_refusal_is_a_rejected_request(reader, server, endpoint, status):
    error = refusal(reader, server, endpoint, STORAGE, status)

    assert type(error) is RequestRejected
    assert str(error) == f"AutoProctor refused the {endpoint} call ({status})."
    assert (error.endpoint, error.status) == (endpoint, status)


def test_storage_gives_its_reason_in_xml_which_the_message_quotes(reader, server):
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
        "<Message> Request has expired </Message><RequestId>X1</RequestId></Error>"
    )
    error = refusal(reader, server, EVIDENCE, STORAGE, 403, body, {"Content-Type": "text/xml"})

    assert str(error).startswith("The temporary evidence JSON URL no longer works (403: Request")
    assert "(403: Request has expired)." in str(error)


# --- signed calls: credentials and clocks ------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "direction"), [(300, "behind"), (-300, "ahead of"), (61, "behind")]
)
def test_a_time_signed_call_refused_while_the_clocks_disagree_is_clock_skew(
    reader, server, offset, direction
):
    error = refusal(reader, server, RESULTS, SIGNED_TIMESTAMP, 403, headers=date(offset))

    assert type(error) is ClockSkew
    assert str(error) == (
        f"AutoProctor refused the signed results call (403) because this server's clock is "
        f"{abs(offset)} s {direction} AutoProctor's, and signatures only count within 60 s. Fix "
        "the server's clock: turn on NTP time synchronisation."
    )
    assert (error.endpoint, error.status, error.skew_seconds) == ("results", 403, offset)


@pytest.mark.parametrize("time_zone", ["UTC", "Asia/Kolkata"])
def test_a_date_without_a_zone_is_read_as_utc_whatever_this_servers_time_zone(
    reader, server, settings, time_zone
):
    settings.TIME_ZONE = time_zone  # the process's local time follows it
    headers = {"Date": formatdate(NOW + 300).replace("+0000", "-0000")}
    assert headers["Date"].endswith("-0000")

    error = refusal(reader, server, USAGE, SIGNED_TIMESTAMP, 401, headers=headers)

    assert type(error) is ClockSkew
    assert error.skew_seconds == 300


@pytest.mark.parametrize(
    "headers",
    [date(60), date(-60), date(0), {}, {"Date": "yesterday"}],
    ids=["60 s behind", "60 s ahead", "same time", "no Date", "unreadable Date"],
)
def test_a_time_signed_call_refused_within_a_minute_is_bad_credentials(reader, server, headers):
    error = refusal(reader, server, RESULTS, SIGNED_TIMESTAMP, 403, headers=headers)

    assert type(error) is BadCredentials
    assert str(error) == (
        f"AutoProctor refused the credentials on the results call (403): {CREDENTIALS}."
    )
    assert (error.endpoint, error.status) == ("results", 403)


def test_an_attempt_signed_call_refused_is_the_credentials_whatever_the_clock(reader, server):
    # The attempt id is signed, not the time: the clock cannot be why it was refused.
    error = refusal(reader, server, EVIDENCE_FILE_URL, SIGNED_ATTEMPT, 401, headers=date(3600))

    assert type(error) is BadCredentials
    assert str(error) == (
        f"AutoProctor refused the credentials on the evidence file URL call (401): {CREDENTIALS}."
    )


def test_a_refused_call_of_an_assumed_form_names_the_setting_that_chooses_it(reader, server):
    error = refusal(reader, server, PRESIGN, SIGNED_ATTEMPT, 403, headers=date(0))

    assert str(error) == (
        f"AutoProctor refused the credentials on the presigned URLs call (403): {CREDENTIALS}; "
        "check that AUTOPROCTOR_PRESIGN_PATH is the account's presigned-URL path."
    )


# --- signed calls: not found, not ready, refused -----------------------------------------------


def test_an_unknown_attempt_on_the_one_attempt_call_names_the_secret_too(reader, server):
    # That call finds the attempt by the signature of its id: a wrong secret looks like this.
    error = refusal(reader, server, ATTEMPT, SIGNED_ATTEMPT, 404, attempt_id="a-1")

    assert type(error) is NotFound
    assert str(error) == (
        "AutoProctor knows no attempt 'a-1' for client id 'cid' on the attempt call (404). Check "
        "the attempt id, AUTOPROCTOR_CLIENT_ID and AUTOPROCTOR_CLIENT_SECRET and "
        "AUTOPROCTOR_BASE_URL."
    )
    assert (error.endpoint, error.status) == ("attempt", 404)


def test_an_unknown_attempt_on_another_call_names_the_id_and_the_address(reader, server):
    error = refusal(reader, server, EVIDENCE_FILE_URL, SIGNED_ATTEMPT, 404, attempt_id="a-1")

    assert type(error) is NotFound
    assert str(error) == (
        "AutoProctor knows no attempt 'a-1' for client id 'cid' on the evidence file URL call "
        "(404). Check the attempt id, AUTOPROCTOR_CLIENT_ID and AUTOPROCTOR_BASE_URL."
    )


def test_nothing_at_a_tenant_calls_address_names_the_base_url(reader, server):
    error = refusal(reader, server, RESULTS, SIGNED_TIMESTAMP, 404)

    assert type(error) is NotFound
    assert str(error) == (
        "AutoProctor found nothing at the results call's address (404). Check "
        "AUTOPROCTOR_CLIENT_ID and AUTOPROCTOR_BASE_URL."
    )
    assert (error.endpoint, error.status) == ("results", 404)


def test_a_400_on_the_evidence_file_url_call_is_evidence_not_ready(reader, server):
    error = refusal(reader, server, EVIDENCE_FILE_URL, SIGNED_ATTEMPT, 400, attempt_id="a-1")

    assert type(error) is NotReady
    assert str(error) == (
        "AutoProctor refused the evidence file URL call of attempt 'a-1' (400): its evidence is "
        "still being processed, or the request is not one this account accepts (run `python "
        "manage.py autoproctor_doctor`)."
    )
    assert (error.endpoint, error.status) == ("evidence file URL", 400)


def test_a_400_on_another_call_is_a_rejected_request(reader, server):
    error = refusal(reader, server, RESULTS, SIGNED_TIMESTAMP, 400)

    assert type(error) is RequestRejected
    assert str(error) == "AutoProctor refused the results call (400)."


def test_a_refusal_of_an_assumed_call_names_its_setting(reader, server):
    error = refusal(reader, server, USAGE, SIGNED_TIMESTAMP, 500, b'{"error": "down"}')

    assert type(error) is RequestRejected
    assert str(error) == (
        "AutoProctor refused the usage call (500: down); check that AUTOPROCTOR_USAGE_HEADERS "
        "names the headers AutoProctor expects."
    )
    assert (error.endpoint, error.status) == ("usage", 500)


# --- the server's own words --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b'{"message": "  Bad page  "}', "(400: Bad page)"),
        (
            b'{"message": "", "errorMsg": 42, "detail": "  ", "error": "Page out of range"}',
            "(400: Page out of range)",
        ),
        (b'{"errorMsg": "No such page", "error": "later"}', "(400: No such page)"),
        (b"", "(400)"),
        (b" \n ", "(400)"),
        (b'{"message": ""}', '(400: starts \'{"message": ""}\')'),
        (b"[1, 2]", "(400: starts '[1, 2]')"),
        (b"Bad gateway", "(400: starts 'Bad gateway')"),
        (b"  <!DOCTYPE html><title>Gateway</title>", "(400: an HTML/XML page)"),
        (b"x" * 100, "(400: starts '" + "x" * 80 + "')"),
    ],
    ids=[
        "message",
        "the first non-blank text",
        "errorMsg",
        "empty",
        "blank",
        "JSON without words",
        "JSON list",
        "text",
        "web page",
        "long text",
    ],
)
def test_a_refusal_quotes_what_the_server_said(reader, server, body, said):
    error = refusal(reader, server, RESULTS, SIGNED_TIMESTAMP, 400, body)

    assert str(error) == f"AutoProctor refused the results call {said}."


@pytest.mark.parametrize(
    "body",
    [
        '{"detail": "' + "w" * 300 + '"}',
        "<Error><Message>" + "w" * 300 + "</Message></Error>",
    ],
    ids=["JSON", "XML"],
)
def test_the_servers_words_are_cut_to_200_characters(reader, server, body):
    error = refusal(reader, server, FILE, STORAGE, 500, body)

    assert str(error) == f"AutoProctor refused the evidence file call (500: {'w' * 200})."


@pytest.mark.parametrize(
    "body",
    [
        f'{{"detail": "bad signature for {SECRET}"}}',
        f"<Error><Message>bad signature for {SECRET}</Message></Error>",
        f"bad signature for {SECRET}",
    ],
    ids=["JSON", "XML", "text"],
)
def test_the_secret_echoed_by_the_server_is_masked(reader, server, body):
    error = refusal(reader, server, FILE, STORAGE, 500, body)

    assert SECRET not in str(error)
    assert "bad signature for ********" in str(error)


# --- bodies that are not JSON, or not the expected shape ---------------------------------------


def test_a_json_answer_is_read(reader, server):
    assert reader.read_json(RESULTS, server.answer(200, b'{"a": [1]}'), SIGNED_TIMESTAMP) == {
        "a": [1]
    }


def test_an_api_answer_that_is_not_json_points_at_the_base_url(reader, server):
    with pytest.raises(MalformedResponse) as raised:
        reader.read_json(RESULTS, server.answer(200, b"<html>login</html>"), SIGNED_TIMESTAMP)

    assert str(raised.value) == (
        "AutoProctor's answer to the results call is not JSON (an HTML/XML page). Check that "
        "AUTOPROCTOR_BASE_URL points at AutoProctor's API."
    )
    assert (raised.value.endpoint, raised.value.status) == ("results", 200)


def test_a_stored_evidence_file_that_is_not_json_may_be_damaged(reader, server):
    with pytest.raises(MalformedResponse) as raised:
        reader.read_json(EVIDENCE, server.answer(200, b""), STORAGE)

    assert str(raised.value) == (
        "AutoProctor's answer to the evidence JSON call is not JSON (an empty body). The "
        "evidence file may be damaged; fetch it again later."
    )
    assert (raised.value.endpoint, raised.value.status) == ("evidence JSON", 200)


def test_an_object_of_the_wrong_shape_lists_its_first_keys_and_its_message(reader):
    document = {f"k{n}": n for n in range(9, 0, -1)} | {"message": f"No tenant {SECRET}"}

    error = reader.wrong_shape(USAGE, document, 'an object with "credits"')

    assert type(error) is MalformedResponse
    assert str(error) == (
        "AutoProctor's answer to the usage call has an unexpected shape: expected an object "
        'with "credits", got an object with keys k1, k2, k3, k4, k5, k6, k7, k8 (\'No tenant '
        "********')."
    )
    assert error.endpoint == "usage"


def test_a_wrong_shape_quotes_200_characters_of_the_message_at_most(reader):
    error = reader.wrong_shape(USAGE, {"error": "e" * 300}, "an object")

    assert str(error).endswith(f"got an object with keys error ('{'e' * 200}').")


@pytest.mark.parametrize(
    ("document", "got"),
    [([1], "a list"), ("text", "a str"), ({"credits": 3}, "an object with keys credits")],
)
def test_a_wrong_shape_says_what_came_instead(reader, document, got):
    error = reader.wrong_shape(USAGE, document, "an object")

    assert str(error) == (
        f"AutoProctor's answer to the usage call has an unexpected shape: expected an object, "
        f"got {got}."
    )
