"""Response-link tokens kept out of every log line.

A candidate's response link carries its token in the path (`/respond/<token>/`), and the
request line reaches the logs in several ways: gunicorn's access line, Django's "Not Found"
and "Forbidden" warnings (with the request itself as an extra, printed by the JSON format),
runserver's request lines. This filter, on the one handler every logger writes through,
replaces each such token with "[token]" before the line is formatted.
"""

from __future__ import annotations

import logging
import re

TOKEN_IN_PATH = re.compile(r"(/respond/)[^/\s\"'?]+")


def redact(text: str) -> str:
    return TOKEN_IN_PATH.sub(r"\1[token]", text)


class RedactResponseTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/respond/" in message:
            record.msg, record.args = redact(message), ()
        request = getattr(record, "request", None)
        if request is not None and "/respond/" in str(request):
            record.request = redact(str(request))
        return True
