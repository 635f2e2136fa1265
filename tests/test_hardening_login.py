"""Log-in abuse: wrong passwords are throttled per user name and per client address on both
log-in pages, the client is told when to try again, failures are logged, and password reset
exists only with email configured and is throttled too."""

import logging
import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client

from access.logins import PASSWORD_RESETS_PER_HOUR
from tests.fixtures.personas import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]


def log_in(client, page, username, password, address="203.0.113.7"):
    return client.post(page, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_a_name_is_locked_at_one_address_after_five_wrong_passwords_even_with_the_right_one(
    client, proctor, page, settings
):
    answers = [
        log_in(client, page, "alice", f"guess {attempt}").status_code
        for attempt in range(settings.LOGIN_FAILURE_LIMIT)
    ]
    assert answers == [200] * (settings.LOGIN_FAILURE_LIMIT - 1) + [429]

    response = log_in(client, page, "alice", PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "Try again in 15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_one_persons_wrong_passwords_lock_out_no_one_else_at_the_address(
    client, proctor, test_admin, settings
):
    """A campus behind one NAT: a student's 30 wrong passwords for one account leave every
    other user at that address, and the account's owner elsewhere, able to log in."""
    for attempt in range(30):
        log_in(client, "/accounts/login/", "alice", f"guess {attempt}")

    assert log_in(client, "/accounts/login/", "alice", PASSWORD).status_code == 429
    assert log_in(Client(), "/accounts/login/", "bob", PASSWORD).status_code == 302
    assert log_in(Client(), "/accounts/login/", "alice", PASSWORD, "192.0.2.9").status_code == 302


def test_one_address_is_locked_for_every_name_at_the_much_higher_address_limit(
    client, proctor, settings
):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    for attempt in range(11):
        log_in(client, "/accounts/login/", f"someone-{attempt}", "guess")
    assert log_in(Client(), "/accounts/login/", "alice", "wrong").status_code == 429

    assert log_in(Client(), "/accounts/login/", "alice", PASSWORD).status_code == 429
    other_address = log_in(Client(), "/accounts/login/", "alice", PASSWORD, "192.0.2.9")
    assert other_address.status_code == 302


def test_a_right_password_before_the_limit_logs_in_and_clears_the_count(client, proctor):
    for attempt in range(4):
        log_in(client, "/accounts/login/", "alice", f"guess {attempt}")
    assert log_in(client, "/accounts/login/", "alice", PASSWORD).status_code == 302
    client.logout()

    for attempt in range(4):
        log_in(client, "/accounts/login/", "alice", f"guess {attempt}")
    assert log_in(client, "/accounts/login/", "alice", PASSWORD).status_code == 302


def test_a_failed_log_in_is_logged_without_the_password(client, proctor, caplog):
    with caplog.at_level(logging.INFO):
        log_in(client, "/accounts/login/", "alice", "hunter2-wrong")

    failures = [record.getMessage() for record in caplog.records if "fail" in record.getMessage()]
    assert any("alice" in message for message in failures)
    assert not any("hunter2-wrong" in message for message in failures)


def test_password_reset_does_not_exist_without_email(client, settings):
    settings.EMAIL_HOST = ""
    assert client.get("/accounts/password_reset/").status_code == 404
    assert client.post("/accounts/password_reset/", {"email": "a@example.org"}).status_code == 404


def test_password_reset_with_email_is_throttled_per_address(client, proctor, settings):
    settings.EMAIL_HOST = "smtp.example.org"
    assert client.get("/accounts/password_reset/").status_code == 200

    answers = [
        client.post(
            "/accounts/password_reset/", {"email": "alice@example.org"}, REMOTE_ADDR="192.0.2.4"
        ).status_code
        for _ in range(PASSWORD_RESETS_PER_HOUR + 1)
    ]

    assert answers == [302] * PASSWORD_RESETS_PER_HOUR + [429]
    assert len(mail.outbox) == PASSWORD_RESETS_PER_HOUR


def test_behind_the_proxy_each_client_address_is_counted_apart(client, proctor, settings):
    settings.TRUSTED_PROXIES = 1

    def from_client(address, username, password, forged="198.51.100.77"):
        return client.post(
            "/accounts/login/",
            {"username": username, "password": password},
            REMOTE_ADDR="10.0.0.1",  # the proxy
            HTTP_X_FORWARDED_FOR=f"{forged}, {address}",  # what the client sent, then the proxy
        )

    for _ in range(5):
        from_client("203.0.113.1", "alice", "wrong")

    assert from_client("203.0.113.1", "alice", PASSWORD).status_code == 429
    assert from_client("203.0.113.2", "alice", PASSWORD).status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(client, proctor, settings):
    """Production's default trusts X-Forwarded-Proto from the TLS proxy, but X-Forwarded-For
    only with DJANGO_TRUSTED_PROXIES: with a client connecting directly, forging it must not
    give each guess a fresh address."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = 0

    def forged(username, password, attempt):
        return client.post(
            "/accounts/login/",
            {"username": username, "password": password},
            REMOTE_ADDR="203.0.113.50",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",
        )

    for attempt in range(3):
        forged(f"someone-{attempt}", "wrong", attempt)

    counted = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert counted == {"203.0.113.50"}


def test_setting_the_new_password_is_not_counted_as_a_reset_request(client, proctor, settings):
    """The limit is on the form that sends mail: a user who mistypes the new password a few
    times on the emailed link's page still sets it, and may still ask for another link."""
    settings.EMAIL_HOST = "smtp.example.org"
    address = {"REMOTE_ADDR": "192.0.2.5"}
    client.post("/accounts/password_reset/", {"email": "alice@example.org"}, **address)
    (link,) = re.findall(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body)
    form_page = client.get(link, **address)
    assert form_page.status_code == 302
    set_password = form_page["Location"]

    for attempt in range(PASSWORD_RESETS_PER_HOUR + 1):
        mistyped = {"new_password1": f"Mistyped-{attempt}-x9!", "new_password2": "other-x9!Q"}
        assert client.post(set_password, mistyped, **address).status_code == 200
    new = "A-new-long-passphrase-42"
    done = client.post(set_password, {"new_password1": new, "new_password2": new}, **address)

    assert done.status_code == 302
    assert log_in(Client(), "/accounts/login/", "alice", new).status_code == 302
    again = client.post("/accounts/password_reset/", {"email": "alice@example.org"}, **address)
    assert again.status_code == 302
