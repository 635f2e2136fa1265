"""Every dashboard URL needs login and the right permission, for every persona.

ACCESS lists each URL with what a proctor and a test admin get. A URL added to config.urls
without a row here fails `test_every_dashboard_url_has_an_access_row`.
"""

from urllib.parse import quote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.fixtures.data import make_attempt, make_records
from tests.url_ids import reverse_with

pytestmark = pytest.mark.django_db

# name: (proctor status, test admin status). Evidence uses a record with no file kept: 404.
ACCESS = {
    "overview": (200, 200),
    "chart-attempts-per-day": (200, 200),
    "chart-trust-distribution": (200, 200),
    "chart-violations-by-label": (200, 200),
    "chart-credit-balance": (403, 200),
    "attempt-list": (200, 200),
    "attempt-export": (403, 200),
    "attempt-report": (200, 200),
    "evidence-file": (404, 404),
    "usage": (403, 200),
    "review-queue": (200, 200),
    "audit-log": (403, 200),
    # Review actions are POST only: a GET changes nothing (their POST rules: POSTED below).
    "attempt-verdict": (405, 405),
    "attempt-bulk-verdict": (405, 405),
    "attempt-note": (405, 405),
    "evidence-dismissal": (405, 405),
    "attempt-group-dismissal": (405, 405),
    "review-next": (405, 405),
    "review-reasons": (403, 200),  # test admins only
    "review-assign": (403, 200),  # test admins only
    "attempt-claim": (405, 405),
    "verdict-undo": (405, 405),
    "attempt-context-note": (403, 405),  # test admins only
    "console": (403, 200),
    "console-walk": (403, 200),
    "console-signature": (403, 200),
    "console-doctor": (403, 405),  # POST only: a GET calls nothing
    "sync-status": (403, 200),
    "sync-progress": (403, 200),
    "sync-now": (403, 405),  # POST only: a GET queues nothing
    "retention": (403, 200),
    "retention-hold": (403, 405),  # POST only
    "retention-release": (403, 405),  # POST only
    "my-notifications": (200, 200),
    "tests-index": (200, 200),
    "test-page": (200, 200),
    "test-chart-trust": (200, 200),
    "test-chart-labels": (200, 200),
    "test-compare": (200, 200),
    "test-threshold": (403, 405),  # test admins only, POST only
    "test-dismiss-window": (405, 405),  # POST only
    "test-case-files": (403, 200),
    "case-file": (403, 200),
    # The candidate's side (candidates/): POST only; the export is for test admins.
    "candidate-link-create": (405, 405),
    "candidate-link-revoke": (405, 405),
    "candidate-export": (403, 405),
}

# The review actions, each with a valid POST: refused without login or role, even with it.
POSTED = {
    "attempt-verdict": {"verdict": "cleared", "reason": "fine", "seen_violation_count": "1"},
    "attempt-bulk-verdict": {"verdict": "cleared", "reason": "fine"},
    "attempt-note": {"text": "a note"},
    "evidence-dismissal": {"action": "dismiss", "reason": "allowed"},
    "attempt-group-dismissal": {"label": "tab-switch", "reason": "allowed"},
    "review-next": {},
    "attempt-claim": {"action": "take"},
    "verdict-undo": {},
}

# URLs that are not dashboard pages: they have their own rules and tests.
# The candidate's pages need a response link instead of a login (tests/test_candidate_link.py).
NOT_DASHBOARD_PAGES = {"healthz", "candidate-respond", "candidate-evidence"}


def dashboard_url_names(patterns=None):
    names = set()
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            module = getattr(entry.urlconf_module, "__name__", "django.")
            # admin/ and accounts/: Django's own apps, and the log-in pages (tested in
            # tests/test_hardening_login.py and tests/test_signon_*.py).
            if not module.startswith(("django.", "access.account_urls", "signon.urls")):
                names |= dashboard_url_names(entry.url_patterns)
        elif isinstance(entry, URLPattern) and entry.name not in NOT_DASHBOARD_PAGES:
            names.add(entry.name)
    return names


@pytest.fixture
def url_for():
    attempt = make_attempt()
    (record,) = make_records(attempt, "tab-switch", s3_path=None)
    ids = {
        "attempt_id": attempt.pk,
        "record_id": record.pk,
        "hold_id": 1,
        "lookup_key": attempt.lookup_key,
        "first_id": attempt.pk,
        "second_id": attempt.pk,
        "change_id": 1,
    }
    return lambda name: reverse_with(name, ids)


def test_every_dashboard_url_has_an_access_row():
    assert dashboard_url_names() == set(ACCESS)


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, url_for, name):
    url = url_for(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote(url, safe='/')}"


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_a_logged_in_user_without_a_role_is_refused(outsider_client, url_for, name):
    response = outsider_client.get(url_for(name))
    assert response.status_code == 403
    assert b"Proctor" in response.content  # the 403 page says which group to ask for


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_a_proctor_sees_the_pages_of_the_role(proctor_client, url_for, name):
    assert proctor_client.get(url_for(name)).status_code == ACCESS[name][0]


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_a_test_admin_sees_every_page(test_admin_client, url_for, name):
    assert test_admin_client.get(url_for(name)).status_code == ACCESS[name][1]


def test_a_superuser_without_groups_sees_every_page(url_for, django_user_model):
    from tests.fixtures.personas import logged_in

    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client = logged_in(admin)
    for name, (_, admin_status) in ACCESS.items():
        assert client.get(url_for(name)).status_code == admin_status, name


def test_logging_out_takes_a_post_and_ends_the_session(proctor_client):
    assert proctor_client.get(reverse("logout")).status_code == 405
    response = proctor_client.post(reverse("logout"))
    assert response.status_code == 302
    assert proctor_client.get(reverse("overview")).status_code == 302


def test_the_login_page_logs_a_proctor_in(client, proctor):
    from tests.fixtures.personas import PASSWORD

    response = client.post(
        reverse("login"), {"username": proctor.username, "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 302
    assert client.get(reverse("overview")).status_code == 200


def test_a_wrong_password_is_reported_on_the_login_page(client, proctor):
    response = client.post(reverse("login"), {"username": proctor.username, "password": "nope"})
    assert response.status_code == 200
    assert b"didn't match" in response.content


@pytest.mark.parametrize("name", sorted(POSTED))
def test_a_review_action_posted_anonymously_changes_nothing_and_asks_to_log_in(
    client, url_for, name
):
    from audit.models import AuditEvent

    url = url_for(name)
    response = client.post(url, POSTED[name])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("name", sorted(POSTED))
def test_a_review_action_posted_without_a_role_is_refused(outsider_client, url_for, name):
    from audit.models import AuditEvent

    assert outsider_client.post(url_for(name), POSTED[name]).status_code == 403
    assert not AuditEvent.objects.exists()


def test_a_proctor_on_a_test_admin_page_is_told_to_ask_for_the_test_admin_group(
    proctor_client, url_for
):
    page = proctor_client.get(url_for("usage")).content.decode()
    assert "this page is for test admins" in page
    assert "<strong>Test admin</strong> group" in page
    assert "<strong>Proctor</strong> or" not in page
