"""Each redirect the client is given, judged on its own (autoproctor/redirects.py,
`next_hop`), from real 3xx answers of a loopback server: where it leads, and why a redirect that
may not be followed is refused, in the words the person at the console reads.

(test_hardening_redirects.py checks the same rules through the client, hop after hop.)
"""

from __future__ import annotations

import pytest

from autoproctor import RequestRejected
from autoproctor.redirects import MAX_HOPS, next_hop
from tests.support_loopback import Loopback

ELSEWHERE = "http://127.0.0.1:1"


@pytest.fixture(scope="module")
def storage():
    loopback = Loopback().start()
    yield loopback
    loopback.stop()


def redirect(storage: Loopback, location: str, status: int = 302):
    return storage.answer(status, headers={"Location": location})


@pytest.mark.parametrize("endpoint", ["evidence JSON", "results"])
def test_an_answer_that_is_not_a_redirect_has_no_next_hop(storage, endpoint):
    first_url = storage.origin + "/evidence.json"
    assert next_hop(endpoint, first_url, storage.answer(200, b"{}"), 0) is None
    assert next_hop(endpoint, first_url, storage.answer(304), 0) is None


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_download_follows_a_redirect_within_its_storage_host(storage, status):
    first_url = storage.origin + "/evidence.json"

    target = next_hop("evidence JSON", first_url, redirect(storage, "/moved.json?s=1", status), 0)

    assert target == storage.origin + "/moved.json?s=1"


def test_a_relative_location_is_read_from_the_address_that_gave_it(storage):
    # The second hop's answer came from /b/...: "c.json" is /b/c.json, not next to the first URL.
    first_url = storage.origin + "/a/evidence.json"
    storage.answers["/b/hop"] = (302, {"Location": "c.json"}, b"")
    response = storage.session.get(storage.origin + "/b/hop", allow_redirects=False)

    assert next_hop("evidence file", first_url, response, 1) == storage.origin + "/b/c.json"


@pytest.mark.parametrize(
    "endpoint", ["results", "attempt", "evidence file URL", "presigned URLs", "usage"]
)
def test_a_signed_call_is_never_redirected_and_the_message_names_the_base_url(storage, endpoint):
    response = redirect(storage, ELSEWHERE + "/api/v2/results/?hashed=x", 307)

    with pytest.raises(RequestRejected) as raised:
        next_hop(endpoint, storage.origin + "/api/v2/results/", response, 0)

    assert str(raised.value) == (
        f"AutoProctor answered the {endpoint} call with a redirect (307) to {ELSEWHERE}. Signed "
        "requests are never sent on to another address: set AUTOPROCTOR_BASE_URL to the API's "
        "own address (scheme and host exactly as AutoProctor gives them)."
    )
    assert (raised.value.endpoint, raised.value.status) == (endpoint, 307)


@pytest.mark.parametrize(
    ("location", "where"),
    [
        (ELSEWHERE + "/evidence.json", ELSEWHERE),
        ("https://127.0.0.1/evidence.json", "https://127.0.0.1"),
        ("//127.0.0.1:1/x", "http://127.0.0.1:1"),
    ],
    ids=["another port", "another scheme", "scheme-relative"],
)
def test_a_download_redirected_off_its_storage_host_is_refused(storage, location, where):
    first_url = storage.origin + "/evidence.json"

    with pytest.raises(RequestRejected) as raised:
        next_hop("evidence JSON", first_url, redirect(storage, location), 0)

    assert str(raised.value) == (
        f"The evidence JSON download was redirected (302) to {where}, outside the storage host "
        f"AutoProctor gave ({storage.origin.removeprefix('http://')}); it was not followed. "
        "Fetch it again later, and tell AutoProctor if it persists."
    )
    assert (raised.value.endpoint, raised.value.status) == ("evidence JSON", 302)


def test_a_download_stops_after_the_last_hop_allowed(storage):
    first_url = storage.origin + "/loop"
    last = MAX_HOPS - 1

    assert next_hop("evidence file", first_url, redirect(storage, "/loop"), last) == first_url
    with pytest.raises(RequestRejected) as raised:
        next_hop("evidence file", first_url, redirect(storage, "/loop"), MAX_HOPS)

    assert str(raised.value) == (
        f"The evidence file download was redirected more than {MAX_HOPS} times; it was not "
        "followed further. Fetch it again later."
    )
    assert (raised.value.endpoint, raised.value.status) == ("evidence file", 302)
