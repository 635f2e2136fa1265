"""Strict parsers for settings read from environment variables.

A typo in a deployment's environment should stop the process at start-up with a message that
names the variable and the accepted values, not surface later as odd behaviour. Every parser
takes the mapping to read from, so tests can pass a plain dict instead of touching os.environ.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def _raw(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str = "", environ: Mapping[str, str] = os.environ) -> str:
    value = _raw(environ, name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool = False, environ: Mapping[str, str] = os.environ) -> bool:
    value = _raw(environ, name)
    if value is None:
        return default
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean. Use one of: true, false (or 1, 0, yes, no, on, off)."
    )


def env_int(
    name: str,
    default: int,
    environ: Mapping[str, str] = os.environ,
    minimum: int | None = None,
) -> int:
    value = _raw(environ, name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is too small; the minimum is {minimum}.")
    return number


def env_float(
    name: str,
    default: float,
    environ: Mapping[str, str] = os.environ,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float:
    value = _raw(environ, name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number.") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ImproperlyConfigured(f"{name}={number} is outside the range {minimum}..{maximum}.")
    return number


def env_list(
    name: str, default: list[str] | None = None, environ: Mapping[str, str] = os.environ
) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    value = _raw(environ, name)
    if value is None or value == "":
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(
    name: str,
    default: str = "",
    environ: Mapping[str, str] = os.environ,
    schemes: tuple[str, ...] = ("http", "https"),
) -> str:
    """An absolute URL with one of `schemes`, returned without a trailing slash."""
    value = env_str(name, default, environ)
    if value == "":
        return value
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a valid URL; expected {' or '.join(schemes)}://host[:port]."
        )
    return value.rstrip("/")


def env_secret(name: str, default: str = "", environ: Mapping[str, str] = os.environ) -> str:
    """A secret from NAME, or from the file named by NAME_FILE (Docker secrets).

    Setting both is refused: which one wins would be a guess.
    """
    direct = _raw(environ, name)
    file_name = _raw(environ, f"{name}_FILE")
    if direct and file_name:
        raise ImproperlyConfigured(f"Set either {name} or {name}_FILE, not both.")
    if file_name:
        try:
            with open(file_name, encoding="utf-8") as handle:
                secret = handle.read().strip()
        except OSError as error:
            raise ImproperlyConfigured(
                f"{name}_FILE={file_name!r} cannot be read: {error.strerror}."
            ) from None
        if not secret:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} is empty.")
        return secret
    return direct or default


def env_url_list(
    name: str, environ: Mapping[str, str] = os.environ, schemes: tuple[str, ...] = ("http", "https")
) -> list[str]:
    """A comma-separated list of absolute URLs, each checked as env_url checks one."""
    urls = env_list(name, environ=environ)
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in schemes or not parts.netloc:
            raise ImproperlyConfigured(
                f"{name} holds {url!r}, which is not a valid URL; expected "
                f"{' or '.join(schemes)}://host[:port]/path, several separated by commas."
            )
    return urls


def env_choice(
    name: str, default: str, choices: tuple[str, ...], environ: Mapping[str, str] = os.environ
) -> str:
    """One word out of `choices` (any case)."""
    value = env_str(name, default, environ).lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of: {', '.join(choices)}.")
    return value


EMAIL_SCHEMES = {"smtp": {"EMAIL_USE_TLS": True}, "smtps": {"EMAIL_USE_SSL": True}}


def env_email_url(name: str, environ: Mapping[str, str] = os.environ) -> dict[str, object]:
    """Django's EMAIL_* settings from one URL: `smtp://user:password@host:587` (STARTTLS) or
    `smtps://user:password@host:465` (TLS from the start); `?tls=false` turns STARTTLS off
    (a relay on the same machine). Empty when the variable is not set."""
    value = env_secret(name, environ=environ)
    if not value:
        return {}
    parts = urlsplit(value)
    if parts.scheme not in EMAIL_SCHEMES or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name} is not a mail server URL; expected smtp://user:password@host:587 or "
            "smtps://user:password@host:465."
        )
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a port that is not a number.") from None
    settings: dict[str, object] = {
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if parts.scheme == "smtps" else 587),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        **EMAIL_SCHEMES[parts.scheme],
    }
    if "tls=false" in parts.query.lower():
        settings["EMAIL_USE_TLS"] = False
    return settings
