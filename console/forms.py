"""The API console's forms: the parameters of each endpoint, and the signature tool's.

No form takes a base URL, a host or a client id: signed calls go where the AUTOPROCTOR_*
settings say, whatever a crafted POST adds. The evidence JSON form is the only one with an
address in it, and it accepts only the configured base URL's origin or an origin the evidence
file URL endpoint returned earlier in this session (the view passes them in).
"""

from __future__ import annotations

import requests
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

# AutoProctor ids are at most 40 characters; the dashboard stores up to 100.
MAX_ID_LENGTH = 100
MAX_PATHS = 100
MAX_PATH_LENGTH = 1024


def origin_of(url: str) -> str | None:
    """ "scheme://host:port" that `requests` will connect to for `url`; None for anything but
    a plain web URL (no user info, no backslash).

    The URL is read once, by the library that sends it (requests prepares it, urllib3 parses
    it): another parser can disagree about where the host ends. Python's urlsplit reads
    `https://evil.example\\@www.autoproctor.co/` as AutoProctor's host, urllib3 as evil.example.
    Backslashes are refused outright, since browsers and parsers treat them differently.
    """
    if not isinstance(url, str) or "\\" in url:
        return None
    try:
        prepared = requests.PreparedRequest()
        prepared.prepare_url(url, None)
        parts = parse_url(prepared.url)
    except (requests.RequestException, LocationParseError, ValueError):
        return None
    if parts.scheme not in ("http", "https") or not parts.host or parts.auth is not None:
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{parts.host}:{port}"


class ResultsForm(forms.Form):
    page = forms.IntegerField(
        min_value=1, max_value=100_000, initial=1, help_text="1 is the newest 100 attempts."
    )
    lookup_key = forms.CharField(
        required=False,
        max_length=255,
        label="Lookup key",
        help_text="Optional: only this test's attempts.",
    )


# Runs only at import, while the form classes are defined: mutation testing skips it.
def attempt_id_field() -> forms.CharField:  # pragma: no mutate block
    return forms.CharField(
        max_length=MAX_ID_LENGTH,
        label="Test attempt id",
        help_text="Your own id for the attempt, as given to AutoProctor's SDK.",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )


class AttemptForm(forms.Form):
    test_attempt_id = attempt_id_field()


class EvidenceJsonForm(forms.Form):
    file_url = forms.CharField(
        max_length=4000,
        label="Evidence file URL",
        help_text="The URL the evidence file URL endpoint returned (valid for a few minutes).",
        widget=forms.TextInput(attrs={"class": "wide", "spellcheck": "false"}),
    )

    def __init__(self, *args, allowed_origins=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_origins = set(allowed_origins)

    def clean_file_url(self) -> str:
        # Kept exactly as typed: a temporary URL's signature covers every character of it.
        url = self.cleaned_data["file_url"]
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ValidationError("Enter the whole URL, starting with https://.") from None
        origin = origin_of(url)
        if origin is None:
            raise ValidationError(
                "This URL's host cannot be read one way only (it has a backslash, or a user name "
                "or password before the host). Paste the URL exactly as the evidence file URL "
                "endpoint returned it."
            )
        if origin not in self.allowed_origins:
            raise ValidationError(
                "The console fetches evidence only from AutoProctor's own hosts: the configured "
                "AUTOPROCTOR_BASE_URL, or a host the evidence file URL endpoint returned in this "
                "session. Ask that endpoint for the attempt's URL first, then fetch it here."
            )
        return url


class PresignForm(forms.Form):
    test_attempt_id = attempt_id_field()
    paths = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        label="Evidence file paths",
        help_text="One S3 path a line, as the evidence JSON gives them (evidence_url).",
    )

    def clean_paths(self) -> list[str]:
        paths = list(
            dict.fromkeys(line.strip() for line in self.cleaned_data["paths"].splitlines())
        )
        paths = [path for path in paths if path]
        if not paths:
            raise ValidationError("Enter at least one path.")
        if len(paths) > MAX_PATHS:
            raise ValidationError(f"Enter at most {MAX_PATHS} paths at once.")
        if any(len(path) > MAX_PATH_LENGTH for path in paths):
            raise ValidationError(f"A path is at most {MAX_PATH_LENGTH} characters.")
        return paths


class UsageForm(forms.Form):
    """The usage endpoint takes no parameters."""


class WalkForm(forms.Form):
    test_attempt_id = attempt_id_field()


class SignatureForm(forms.Form):
    message = forms.CharField(
        max_length=200,
        strip=False,  # a stray space changes the signature: sign exactly what was typed
        help_text="Exactly what was signed: the test attempt id, or the UNIX timestamp.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    signature = forms.CharField(
        required=False,
        max_length=400,
        strip=False,
        label="Signature to check",
        help_text="Optional: the signature your front end sent, to compare.",
        widget=forms.TextInput(attrs={"class": "wide", "spellcheck": "false"}),
    )
