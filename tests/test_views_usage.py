"""The usage page: credits from the latest snapshot, usage by test, an honest empty state."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.fixtures.data import make_usage

pytestmark = pytest.mark.django_db


def page_of(client):
    response = client.get(reverse("usage"))
    assert response.status_code == 200
    return response.content.decode()


def test_before_any_snapshot_the_page_says_how_to_record_one(test_admin_client):
    page = page_of(test_admin_client)
    assert "No usage recorded yet" in page
    assert "python manage.py sync_autoproctor --usage" in page


def test_the_latest_snapshot_gives_the_balance_the_use_and_the_period(test_admin_client):
    make_usage(taken_at=timezone.now() - timedelta(hours=2), credits_remaining=999)
    make_usage(
        credits_remaining=412,
        credits_used=1588,
        period_start=timezone.datetime(2026, 11, 1).date(),
        period_end=timezone.datetime(2026, 11, 30).date(),
    )
    page = page_of(test_admin_client)
    assert '<span class="figure-value">412</span>' in page
    assert '<span class="figure-value">1,588</span>' in page
    assert "1 Nov 2026 – 30 Nov 2026" in page
    assert "999" in page  # the older snapshot only appears in the balance history table


def test_usage_by_test_is_listed_most_credits_first_and_tolerates_odd_items(test_admin_client):
    make_usage(
        usage_by_lookup_key=[
            {"lookup_key": "small", "attempts": 1, "credits": 1},
            "not an object",
            {"lookup_key": "big", "attempts": 40, "credits": 200},
            {"lookup_key": "<b>bold</b>", "credits": None},
        ]
    )
    page = page_of(test_admin_client)
    table = page[page.index("Usage by test") :]
    assert table.index(">big<") < table.index(">small<") < table.index("&lt;b&gt;bold")
    assert "<b>bold</b>" not in page


def test_the_balance_table_mirrors_the_chart_for_readers_without_javascript(test_admin_client):
    make_usage(taken_at=timezone.now() - timedelta(days=1), credits_remaining=500)
    make_usage(credits_remaining=480)
    page = page_of(test_admin_client)
    assert f'data-chart-url="{reverse("chart-credit-balance")}"' in page
    assert '<td class="num">500</td>' in page and '<td class="num">480</td>' in page
