"""Escaping for the markup the attempts list writes in Python (its rows and filter selects).

Django's `conditional_escape` goes through `escape`, which `keep_lazy` wraps: every call checks
its arguments for a lazy string before escaping. A list page escapes thousands of values, and
that check cost more than the escaping (benchmarks/HISTORY.md). The values are mostly plain
strings read from the database; for those `escape` is `html.escape` directly, the same call
Django's `escape` makes. Anything else (a SafeString, a lazy string, a number) takes
`conditional_escape` as before, so the output is the same for every value.
"""

from __future__ import annotations

import html
from typing import Any

from django.utils.html import conditional_escape


def escape(value: Any) -> str:
    """`conditional_escape(value)` as a plain str, without its wrapper for a plain str."""
    if type(value) is str:
        return html.escape(value)
    if type(value) is int:  # digits and a sign: nothing to escape
        return str(value)
    return conditional_escape(value)
