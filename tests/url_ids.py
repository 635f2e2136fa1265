"""Reverse any of the product's URLs from one set of ids: each URL takes from `ids` the path
arguments it declares, so a test that visits every URL needs no table of which takes what."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse


def path_arguments() -> dict[str, set[str]]:
    """{URL name: the names of its path arguments}, Django's admin aside."""
    found: dict[str, set[str]] = {}

    def walk(patterns) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.app_name != "admin":
                    walk(entry.url_patterns)
            elif isinstance(entry, URLPattern) and entry.name:
                found[entry.name] = set(entry.pattern.converters)

    walk(get_resolver().url_patterns)
    return found


def reverse_with(name: str, ids: dict[str, Any]) -> str:
    """The path of URL `name`, its arguments taken from `ids` by name."""
    wanted = path_arguments()[name]
    return reverse(name, kwargs={key: value for key, value in ids.items() if key in wanted})
