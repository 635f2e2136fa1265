"""A download's redirect is followed only within the storage origin AutoProctor gave: the same
scheme, host (in any case) and port, a default port written out or left implicit alike
(autoproctor/redirects.py, `origin`)."""

from __future__ import annotations

import pytest

from autoproctor.redirects import origin


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://storage.example/a.json", ("https", "storage.example:443")),
        ("https://Storage.EXAMPLE:443/b", ("https", "storage.example:443")),
        ("http://storage.example/a", ("http", "storage.example:80")),
        ("http://storage.example:80/a", ("http", "storage.example:80")),
        ("https://storage.example:8443/a", ("https", "storage.example:8443")),
        ("ftp://storage.example/a", ("ftp", "storage.example:None")),
    ],
)
def test_an_origin_is_the_scheme_the_lowercase_host_and_the_port(url, expected):
    assert origin(url) == expected


def test_the_same_host_on_another_port_or_scheme_is_another_origin():
    first = origin("https://storage.example/a")
    assert origin("https://storage.example:8443/a") != first
    assert origin("http://storage.example:443/a") != first
    assert origin("https://storage.example.evil/a") != first
