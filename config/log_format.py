"""One JSON object per log line, for log collectors that read a container's stdout.

Plain text lines are easy to read in a terminal but hard to search once several web and worker
containers write to one log store: a JSON line keeps the level, the logger and any `extra`
fields as separate, filterable keys, and a traceback stays inside its record instead of
spilling over many lines. LOG_FORMAT (settings) chooses between the two; `logging_settings`
is the LOGGING setting built on them.
"""

import json
import logging
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else on a record came from `extra=` and is kept.
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON: time, level, logger, message, then extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: an extra such as a request or a datetime is logged as its text, so a
        # log call never raises because of what it was given.
        return json.dumps(entry, default=str, ensure_ascii=False)


def logging_settings(log_format: str, level: str) -> dict:
    """Django's LOGGING: every logger writes through one stdout handler in `log_format`
    (json or plain), whose filter keeps response-link tokens out of every line
    (config.log_redaction)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "json": {"()": "config.log_format.JsonFormatter"},
        },
        "filters": {"response_tokens": {"()": "config.log_redaction.RedactResponseTokens"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": log_format,
                "filters": ["response_tokens"],
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }
