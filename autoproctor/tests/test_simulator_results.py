"""The simulator's results listing: 100 per page, 1-based, filtered by lookupKey, with next and
previous links whose timestamps go stale like everything else signed."""

from urllib.parse import parse_qs, urlsplit

import pytest

from autoproctor.testing.fixtures import SignedCalls


def all_pages(calls: SignedCalls, lookup_key=None) -> list[dict]:
    pages, number = [], 1
    while True:
        response = calls.results(page=number, lookup_key=lookup_key)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        if response.json()["next"] is None:
            return pages
        number += 1


@pytest.fixture
def big(make_simulator):
    simulator = make_simulator(attempts=250)
    calls = SignedCalls(simulator)
    yield calls
    calls.session.close()


def test_pages_hold_a_hundred_attempts_and_return_every_attempt_exactly_once(big):
    pages = all_pages(big)

    ids = [attempt["test_attempt_id"] for page in pages for attempt in page["results"]]
    assert [len(page["results"]) for page in pages] == [100, 100, 50]
    assert {page["count"] for page in pages} == {250}
    assert ids == list(big.simulator.dataset.attempts)
    assert len(set(ids)) == 250


def test_the_lookup_key_filter_returns_exactly_that_tests_attempts(big):
    attempts = big.simulator.dataset.attempts
    keys = {attempt["lookup_key"] for attempt in attempts.values()} - {None}
    assert len(keys) >= 3

    for key in keys:
        pages = all_pages(big, lookup_key=key)
        ids = [attempt["test_attempt_id"] for page in pages for attempt in page["results"]]
        expected = [i for i, attempt in attempts.items() if attempt["lookup_key"] == key]
        assert ids == expected
        assert pages[0]["count"] == len(expected)


def test_an_unknown_lookup_key_gives_an_empty_first_page(big):
    page = big.results(lookup_key="no-such-test").json()

    assert (page["count"], page["results"], page["next"], page["previous"]) == (0, [], None, None)


def test_next_and_previous_are_absolute_urls_carrying_page_and_lookup_key(big):
    key = big.simulator.dataset.attempts[next(iter(big.simulator.dataset.attempts))]["lookup_key"]
    big.simulator.dataset.add_attempts(201, lookup_key=key)  # three pages of one key at least

    second = big.results(page=2, lookup_key=key).json()

    following, preceding = urlsplit(second["next"]), urlsplit(second["previous"])
    assert f"{following.scheme}://{following.netloc}" == big.simulator.base_url
    assert parse_qs(following.query)["page"] == ["3"]
    assert parse_qs(following.query)["lookupKey"] == [key]
    assert "page" not in parse_qs(preceding.query)  # page 1, as Django REST framework links it
    assert parse_qs(preceding.query)["lookupKey"] == [key]


def test_following_next_works_at_once_but_not_after_its_timestamp_is_stale(big):
    next_url = big.results().json()["next"]

    assert big.session.get(next_url).status_code == 200
    big.simulator.clock.advance(61)
    stale = big.session.get(next_url)
    assert stale.status_code == 403
    assert "old" in stale.json()["message"]
    assert big.results(page=2).status_code == 200  # signed afresh


@pytest.mark.parametrize("page", ["0", "4", "-1", "two", "1.5"])
def test_a_page_that_does_not_exist_is_a_404_with_an_error_body(big, page):
    response = big.results(page=page)

    assert response.status_code == 404
    assert response.json() == {"status": "error", "message": "Invalid page."}


def test_a_tenant_without_attempts_has_one_empty_page(make_simulator):
    calls = SignedCalls(make_simulator(attempts=0))

    page = calls.results().json()

    assert (page["count"], page["results"], page["next"]) == (0, [], None)
