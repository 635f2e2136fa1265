"""Signing in with the institution's OpenID Connect provider, in a real browser, against a real
provider process (tests/fixtures/oidc_provider.py): the mapped role and scope on the first
sign-in, access gone at the next sign-in once the group is gone at the provider, and tokens the
dashboard must refuse (another audience, expired, a state this browser never started)."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from access.scopes import grants_of
from audit.models import AuditEvent
from signon.models import ProviderIdentity
from tests.browser.accessibility import serious_violations
from tests.browser.conftest import open_page
from tests.fixtures.data import make_attempts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(browser, live_server):
    context, page, watcher = open_page(browser, live_server)
    yield page
    context.close()
    assert watcher.problems == [], "the browser reported errors"


def sign_in_at_provider(page, provider):
    """From the dashboard's sign-in page, through the provider's, back to the dashboard."""
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with Example University").click()
    if page.url.startswith(provider.origin):
        page.fill("#id_username", provider.person)
        page.fill("#id_password", provider.password)
        page.get_by_role("button", name="Sign in at Example University").click()
    page.wait_for_load_state()


def refusal(page) -> str:
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    return page.locator(".alert-error").inner_text()


def test_a_course_group_signs_in_as_a_scoped_proctor_and_loses_it_with_the_group(
    browser_page, oidc
):
    page = browser_page
    make_attempts(2, lookup_key="bio101-final", candidate_name=lambda i: f"Biology {i}")
    make_attempts(2, lookup_key="chem200-final", candidate_name=lambda i: f"Chemistry {i}")
    oidc.set_person(groups=["course-bio101-staff", "chess-club"])
    page.goto("/accounts/login/")
    assert serious_violations(page) == []

    sign_in_at_provider(page, oidc)

    expect(page.locator(".account .user")).to_have_text("Ada Lovelace")
    user = get_user_model().objects.get(provider_identities__issuer=oidc.issuer)
    assert user.username == "ada"
    assert not user.has_usable_password()
    assert grants_of(user) == {"Proctor": ["bio101-*"]}
    page.goto("/attempts/")
    expect(page.get_by_text("Biology 0")).to_be_visible()
    expect(page.get_by_text("Chemistry 0")).to_have_count(0)
    page.goto("/tests/")
    expect(page.get_by_role("link", name="bio101-final")).to_be_visible()
    expect(page.get_by_text("chem200-final")).to_have_count(0)
    assert AuditEvent.objects.filter(action="signin", user=user).count() == 1

    page.get_by_role("button", name="Log out").click()
    end_session = page.get_by_role("link", name="Sign out at your institution too")
    assert end_session.get_attribute("href").startswith(f"{oidc.issuer}/logout/")
    # The provider accepts it (its client id and return address), and asks to confirm.
    at_provider = page.request.get(end_session.get_attribute("href"))
    assert at_provider.status == 200 and "logout" in at_provider.text().lower()
    assert serious_violations(page) == []
    page.goto("/attempts/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))

    # The group is taken away at the provider: the next sign-in takes the role away too.
    oidc.set_person(groups=["chess-club"])
    sign_in_at_provider(page, oidc)
    assert "none of your groups" in refusal(page)
    assert grants_of(user) == {}
    page.goto("/attempts/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    assert ProviderIdentity.objects.count() == 1


def test_the_exam_office_group_signs_in_as_an_unscoped_test_admin(browser_page, oidc):
    oidc.set_person(groups=["exam-office"])
    sign_in_at_provider(browser_page, oidc)
    expect(browser_page.get_by_role("link", name="Audit")).to_be_visible()
    assert grants_of(get_user_model().objects.get(username="ada")) == {"Test admin": []}


def test_a_token_for_another_audience_is_refused(browser_page, oidc):
    oidc.set_person(groups=["exam-office"], id_token={"aud": "another-application"})
    sign_in_at_provider(browser_page, oidc)
    assert "issued for another application" in refusal(browser_page)
    assert not get_user_model().objects.exists()
    assert AuditEvent.objects.get(action="signin.refused").username == "anonymous"


def test_an_expired_token_is_refused(browser_page, oidc):
    oidc.set_person(groups=["exam-office"], id_token={"exp": int(time.time()) - 3600})
    sign_in_at_provider(browser_page, oidc)
    assert "had already expired" in refusal(browser_page)
    assert not get_user_model().objects.exists()


def test_a_callback_with_another_state_is_refused(browser_page, live_server, oidc):
    """A real code from the provider, with a state this browser never started."""
    oidc.set_person(groups=["exam-office"])
    started = browser_page.request.get(
        f"{live_server.url}/accounts/oidc/authenticate/", max_redirects=0
    )
    to_provider = started.headers["location"]
    assert "state=" in to_provider
    browser_page.goto(re.sub(r"state=[^&]+", "state=forged", to_provider))
    browser_page.fill("#id_username", oidc.person)
    browser_page.fill("#id_password", oidc.password)
    browser_page.get_by_role("button", name="Sign in at Example University").click()
    assert "does not match the one this browser started" in refusal(browser_page)
    assert not get_user_model().objects.exists()
