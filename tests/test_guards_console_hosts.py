"""The console's evidence JSON form fetches only from AutoProctor's own hosts, judged by the host
the HTTP library will really connect to. Two simulators on loopback play AutoProctor (where the
settings point) and somewhere else; whatever the form accepts must reach AutoProctor alone."""

import html

import pytest
from django.core.cache import cache
from django.urls import reverse

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

AMBIGUOUS = "cannot be read one way only"
NOT_AUTOPROCTOR = "fetches evidence only from AutoProctor's own hosts"
# The refusals in full, as the form shows them: what is wrong, and what to do.
FIELD_ERROR = '<span class="field-error">'
AMBIGUOUS_IN_FULL = (
    FIELD_ERROR
    + "This URL's host cannot be read one way only (it has a backslash, or a user name or "
    "password before the host). Paste the URL exactly as the evidence file URL endpoint "
    "returned it.</span>"
)
NOT_AUTOPROCTOR_IN_FULL = (
    FIELD_ERROR + "The console fetches evidence only from AutoProctor's own hosts: the configured "
    "AUTOPROCTOR_BASE_URL, or a host the evidence file URL endpoint returned in this session. "
    "Ask that endpoint for the attempt's URL first, then fetch it here.</span>"
)
NOT_A_WEB_URL_IN_FULL = FIELD_ERROR + "Enter the whole URL, starting with https://.</span>"


@pytest.fixture(autouse=True)
def fresh_allowance():
    """Each test starts with no console requests counted (the cache outlives a test)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def autoproctor(make_simulator):
    return make_simulator()


@pytest.fixture
def elsewhere(make_simulator, autoproctor):
    return make_simulator(point_settings=False, seed=8)


def hostport(simulator):
    return simulator.base_url.split("://", 1)[1]


def fetch(client, file_url):
    response = client.post(reverse("console"), {"endpoint": "evidence_json", "file_url": file_url})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_a_backslash_in_the_url_is_refused_whichever_host_it_hides(
    autoproctor, elsewhere, test_admin_client
):
    ours, theirs = hostport(autoproctor), hostport(elsewhere)
    for url in (
        # urlsplit reads AutoProctor's host here, the HTTP library connects to the other one.
        f"http://{theirs}\\@{ours}/evidence.json",
        # and the other way round: harmless for the HTTP library, misleading for anything else.
        f"http://{ours}\\@{theirs}/evidence.json",
    ):
        assert AMBIGUOUS_IN_FULL in fetch(test_admin_client, url), url
    assert list(autoproctor.requests) == []
    assert list(elsewhere.requests) == []
    assert not AuditEvent.objects.filter(action="console.request").exists()


def test_a_user_name_before_autoproctors_host_is_refused(autoproctor, test_admin_client):
    page = fetch(test_admin_client, f"http://someone:pw@{hostport(autoproctor)}/evidence.json")
    assert AMBIGUOUS in page
    assert list(autoproctor.requests) == []


@pytest.mark.parametrize(
    "template",
    [
        "http://{theirs}/evidence.json",
        "http://{ours}@{theirs}/evidence.json",
        "http://{theirs}#@{ours}/evidence.json",
        "http://{theirs}?@{ours}/evidence.json",
        "http://{theirs}\\{ours}/evidence.json",
        "http://{theirs}\\@{ours}/evidence.json",
        "http://{ours}\\@{theirs}/evidence.json",
        "http://{theirs}%40{ours}/evidence.json",
        "http://{theirs}\t@{ours}/evidence.json",
        "http://{theirs}/@{ours}/evidence.json",
        "HTTP://{theirs}/evidence.json",
    ],
)
def test_no_url_the_form_accepts_reaches_another_host(
    autoproctor, elsewhere, test_admin_client, template
):
    url = template.format(ours=hostport(autoproctor), theirs=hostport(elsewhere))
    page = fetch(test_admin_client, url)
    assert AMBIGUOUS in page or NOT_AUTOPROCTOR in page or "Enter the whole URL" in page
    assert list(elsewhere.requests) == []
    assert list(autoproctor.requests) == []


def test_a_plain_url_on_autoproctors_host_is_fetched_from_it(autoproctor, test_admin_client):
    page = fetch(test_admin_client, f"{autoproctor.base_url}/not-an-evidence-file.json")
    assert AMBIGUOUS not in page and NOT_AUTOPROCTOR not in page
    assert [request.path for request in autoproctor.requests] == ["/not-an-evidence-file.json"]


@pytest.mark.parametrize(
    ("base_url", "url", "accepted"),
    [
        # AutoProctor's own form: HTTPS on the default port, written or not.
        ("https://127.0.0.1", "https://127.0.0.1/evidence.json", True),
        ("https://127.0.0.1", "https://127.0.0.1:443/evidence.json", True),
        ("https://127.0.0.1:443", "https://127.0.0.1/evidence.json", True),
        # The same host on another scheme or port is another server.
        ("https://127.0.0.1", "http://127.0.0.1/evidence.json", False),
        ("https://127.0.0.1", "https://127.0.0.1:80/evidence.json", False),
        ("https://127.0.0.1", "https://127.0.0.1:444/evidence.json", False),
        ("http://127.0.0.1", "http://127.0.0.1:80/evidence.json", True),
        ("http://127.0.0.1", "http://127.0.0.1:81/evidence.json", False),
        ("http://127.0.0.1", "http://127.0.0.1:443/evidence.json", False),
    ],
)
def test_the_default_port_of_each_scheme_is_the_configured_hosts(
    settings, test_admin_client, base_url, url, accepted
):
    """Nothing listens on these loopback ports: an accepted URL fails to connect, after the
    form let it through."""
    settings.AUTOPROCTOR_BASE_URL = base_url
    settings.AUTOPROCTOR_CLIENT_ID = "cid"
    settings.AUTOPROCTOR_CLIENT_SECRET = "secret"
    settings.AUTOPROCTOR_MAX_RETRIES = 0
    page = fetch(test_admin_client, url)
    refused = AMBIGUOUS in page or NOT_AUTOPROCTOR in page or "Enter the whole URL" in page
    assert refused is not accepted


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/evidence.json", "127.0.0.1/evidence.json"])
def test_an_address_that_is_not_a_web_url_is_refused_as_such(autoproctor, test_admin_client, url):
    assert NOT_A_WEB_URL_IN_FULL in fetch(test_admin_client, url)
    assert list(autoproctor.requests) == []


def test_a_host_autoproctor_did_not_hand_out_is_refused_saying_what_to_do(
    autoproctor, elsewhere, test_admin_client
):
    page = fetch(test_admin_client, f"{elsewhere.base_url}/evidence.json")
    assert NOT_AUTOPROCTOR_IN_FULL in page
    assert list(elsewhere.requests) == []
