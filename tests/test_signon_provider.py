"""Single sign-on against the real provider process, without a browser: which account a
sign-in reaches, and what the person reads when the provider cannot be used."""

import logging
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages

from access.scopes import grants_of
from audit.models import AuditEvent
from signon.models import ProviderIdentity
from tests.fixtures.oidc_provider import sign_in_with_test_client
from tests.fixtures.personas import make_user
from tests.oidc_provider.serve import CLIENT_SECRET

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_local_account_with_the_same_name_and_email_is_not_taken_over(client, oidc):
    local = make_user("ada", is_superuser=True, is_staff=True)
    local.email = "ada@example.edu"
    local.save()
    oidc.set_person(groups=["exam-office"])

    response = sign_in_with_test_client(client, oidc)

    assert response.status_code == 302 and response["Location"] == "/"
    signed_in = get_user_model().objects.get(provider_identities__issuer=oidc.issuer)
    assert signed_in != local and signed_in.username == "ada-2"
    assert not signed_in.is_superuser and not signed_in.is_staff
    assert client.session["_auth_user_id"] == str(signed_in.pk)
    assert grants_of(local) == {}


def test_the_next_sign_in_finds_the_account_by_subject_and_updates_its_grants(client, oidc):
    oidc.set_person(groups=["course-bio101-staff"])
    sign_in_with_test_client(client, oidc)
    client.logout()
    oidc.set_person(groups=["course-bio101-staff", "exam-office"])

    sign_in_with_test_client(client, oidc)

    user = ProviderIdentity.objects.get().user
    assert grants_of(user) == {"Proctor": ["bio101-*"], "Test admin": []}
    assert get_user_model().objects.count() == 1
    assert list(
        AuditEvent.objects.filter(action="signin").values_list("detail__method", flat=True)
    ) == ["provider", "provider"]


def test_a_switched_off_account_is_refused_and_keeps_no_session(client, oidc):
    oidc.set_person(groups=["exam-office"])
    sign_in_with_test_client(client, oidc)
    client.logout()
    user = ProviderIdentity.objects.get().user
    user.is_active = False
    user.save()

    response = sign_in_with_test_client(client, oidc)

    assert response["Location"] == "/accounts/login/"
    assert "Your dashboard account is switched off" in messages_of(response)[0]
    assert "_auth_user_id" not in client.session


def test_an_unreachable_provider_is_named_on_the_sign_in_page(client, oidc, settings):
    settings.OIDC_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    response = client.get("/accounts/oidc/authenticate/")
    assert response["Location"] == "/accounts/login/"
    assert "The sign-in service at 127.0.0.1:9 could not be reached" in messages_of(response)[0]


def test_a_discovery_document_of_another_issuer_is_refused(client, oidc, settings):
    settings.OIDC_ISSUER = "https://login.example.edu/realms/exams"
    response = client.get("/accounts/oidc/authenticate/")
    assert response["Location"] == "/accounts/login/"
    assert "not OIDC_ISSUER 'https://login.example.edu/realms/exams'" in messages_of(response)[0]


def test_a_callback_without_a_sign_in_in_progress_is_refused(client, oidc):
    response = client.get("/accounts/oidc/callback/?code=abc&state=xyz")
    assert response["Location"] == "/accounts/login/"
    assert "no sign-in in progress" in messages_of(response)[0]
    assert AuditEvent.objects.get().action == "signin.refused"


def test_an_error_from_the_provider_is_shown_and_spends_the_state(client, oidc):
    started = client.get("/accounts/oidc/authenticate/")
    state = started["Location"].split("state=")[1].split("&")[0]

    response = client.get(f"/accounts/oidc/callback/?error=access_denied&state={state}")

    assert "it answered 'access_denied'" in messages_of(response)[0]
    assert state not in client.session["oidc_states"]


def test_single_sign_on_is_absent_when_not_configured(client):
    assert client.get("/accounts/oidc/authenticate/").status_code == 404
    assert client.get("/accounts/oidc/callback/?code=a&state=b").status_code == 404
    assert b"institution" not in client.get("/accounts/login/").content


def test_superusers_read_the_identities_in_the_admin_but_cannot_edit_them(client, oidc):
    oidc.set_person(groups=["exam-office"])
    sign_in_with_test_client(client, oidc)
    identity = ProviderIdentity.objects.get()
    client.force_login(make_user("root", is_superuser=True, is_staff=True))

    listing = client.get("/admin/signon/provideridentity/")
    page = client.get(f"/admin/signon/provideridentity/{identity.pk}/change/")

    assert listing.status_code == 200 and oidc.issuer in listing.content.decode()
    assert b'name="subject"' not in page.content  # read-only
    assert client.get("/admin/signon/provideridentity/add/").status_code == 403


def test_the_client_secret_and_the_tokens_reach_no_page_log_line_or_audit_row(client, oidc, caplog):
    caplog.set_level(logging.DEBUG)
    oidc.set_person(groups=["exam-office", "chess-club"])

    signed_in = sign_in_with_test_client(client, oidc)
    pages = [client.get(path).content.decode() for path in ("/", "/audit/", "/accounts/login/")]
    client.post("/accounts/logout/")

    assert signed_in.status_code == 302
    audit = repr(list(AuditEvent.objects.values_list("summary", "detail")))
    for text in (*pages, caplog.text, audit, repr(dict(client.session))):
        assert CLIENT_SECRET not in text
        assert "eyJ" not in text  # no JWT (ID or access token) either
    assert "chess-club" in caplog.text  # the unmapped group is logged, by name


@pytest.mark.parametrize(
    ("next_page", "landing"),
    [("/review/", "/review/"), ("https://elsewhere.example/", "/"), ("//elsewhere.example/", "/")],
)
def test_the_sign_in_returns_to_the_page_asked_for_on_this_site_only(
    client, oidc, next_page, landing
):
    oidc.set_person(groups=["exam-office"])
    start = f"/accounts/oidc/authenticate/?next={quote(next_page)}"
    assert sign_in_with_test_client(client, oidc, start)["Location"] == landing
