"""The listing's order is learned from its times, and a listing in no time order is read whole:
reading only one end of it would miss the new attempts on every other page, silently."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse

from autoproctor.listing_order import listing_direction
from proctoring.models import Attempt
from proctoring.sync import sync_results
from tests.sync_support import client_for, synced_complete

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def attempts(*offsets):
    """Attempts started `offset` hours after T0 (None: no start), each submitted an hour later
    unless the offset is a (start, submitted) pair."""
    made = []
    for offset in offsets:
        start, submitted = offset if isinstance(offset, tuple) else (offset, None)
        started_at = None if start is None else T0 + timedelta(hours=start)
        if submitted is None and started_at is not None:
            submitted_at = started_at + timedelta(hours=1)
        else:
            submitted_at = None if submitted is None else T0 + timedelta(hours=submitted)
        made.append(SimpleNamespace(started_at=started_at, submitted_at=submitted_at))
    return made


def test_the_direction_is_read_from_start_times_then_submission_times():
    assert listing_direction(attempts(9, 8, 8, 5, None, 1)) == "descending"
    assert listing_direction(attempts(1, 2, 3, 3, 7)) == "ascending"
    # Sorted by submission, newest first: long attempts started before shorter later ones.
    assert listing_direction(attempts((8, 20), (12, 19), (5, 18), (9, 17), (1, 10))) == (
        "descending"
    )
    assert listing_direction(attempts(5, 1, 9, 2, 8, 3)) == "unordered"
    # A batch submitted at one moment: the start times alone cannot call the listing unordered.
    assert listing_direction(attempts((5, 30), (1, 30), (9, 30), (2, 30))) == ""
    assert listing_direction(attempts(4)) == ""
    assert listing_direction(attempts(4, 4, None)) == ""


@pytest.mark.django_db
def test_a_listing_in_no_time_order_is_read_whole_and_no_new_attempt_is_missed(make_simulator):
    simulator = make_simulator(attempts=450, dialects=["unordered"])
    simulator.clock.advance(3 * 24 * 3600)  # every attempt submitted and processed: complete
    client, _ = synced_complete(simulator)
    new_ids = simulator.dataset.add_attempts(1)  # lands beyond page 1

    run = sync_results(client)

    stored = set(Attempt.objects.values_list("test_attempt_id", flat=True))
    assert set(new_ids) <= stored
    assert run.listing_order == "unordered"
    assert run.mode == "full" and "no time order" in run.mode_reason
    assert run.pages_read == 5


@pytest.mark.django_db
def test_the_sync_page_says_why_every_pass_reads_everything(make_simulator, test_admin_client):
    simulator = make_simulator(attempts=250, dialects=["unordered"])
    sync_results(client_for(simulator))
    sync_results(client_for(simulator))
    page = test_admin_client.get(reverse("sync-status")).content.decode()
    assert "no time order" in page
