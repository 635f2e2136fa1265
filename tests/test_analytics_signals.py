"""Collusion signals, the cohort's minute strip with its window dismissal, and the credit
forecast, each against hand-computed data."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from analytics import candidate_keys, cohort, collusion
from audit.models import AuditEvent
from proctoring import signals
from proctoring.credit_forecast import burn_by_test, credit_forecast
from proctoring.models import EvidenceRecord
from review.models import EvidenceDismissal
from tests.fixtures.data import make_attempt, make_usage

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def events(attempt, *minutes, label="tab-switch", second=5):
    start = attempt.evidence_records.count()
    EvidenceRecord.objects.bulk_create(
        EvidenceRecord(
            attempt=attempt,
            position=start + i,
            label=label,
            is_violation=True,
            occurred_at=T0 + timedelta(minutes=minute, seconds=second + i % 50),
        )
        for i, minute in enumerate(minutes)
    )
    signals.announce(signals.evidence_changed, attempt_ids=[attempt.pk])  # as the sync does


def attempt(name, email, start=0, **fields):
    made = make_attempt(
        lookup_key="exam",
        candidate_name=name,
        candidate_email=email,
        started_at=T0 + timedelta(minutes=start),
        submitted_at=T0 + timedelta(minutes=60),
        **fields,
    )
    candidate_keys.refresh([made.pk])  # as a results pass does
    return made


@pytest.fixture
def cohort_data():
    ann = attempt("Ann", "ann@example.org")
    bob = attempt("Bob", "bob@example.org")
    cat = attempt("Cat", "cat@example.org")
    # Ann: tab switches at 1, 2, 3, 4; Bob at 1, 2, 3, 9: 3 shared of 5 -> Jaccard 0.6.
    events(ann, 1, 2, 3, 4)
    events(bob, 1, 2, 3, 9)
    # Cat shares only 2 minutes with Ann: not a pair.
    events(cat, 1, 2, 30, 31)
    return ann, bob, cat


def test_a_pair_sharing_minutes_is_found_with_its_jaccard(cohort_data):
    ann, bob, _ = cohort_data
    (pair,) = collusion.similar_pairs("exam")
    assert {pair.first.pk, pair.second.pk} == {ann.pk, bob.pk}
    assert pair.shared == 3
    assert pair.jaccard == pytest.approx(3 / 5)


def test_a_pair_under_the_jaccard_bar_is_not_a_signal(cohort_data):
    ann, bob, _ = cohort_data
    events(bob, 20, 21, 22)  # Bob now has 7 minutes: 3 / 8 < 0.5
    assert collusion.similar_pairs("exam") == []


def test_a_minute_the_whole_room_shares_is_not_a_pair_signal(cohort_data, settings):
    crowd = [attempt(f"P{i}", f"p{i}@example.org") for i in range(collusion.CROWD + 1)]
    for person in [*crowd, *cohort_data[:2]]:
        events(person, 40, label="noise")
    ann, bob, _ = cohort_data
    (pair,) = collusion.similar_pairs("exam")  # only Ann and Bob, through their tab switches
    assert pair.shared == 3


def test_attempts_that_did_not_overlap_are_not_paired():
    early = attempt("Early", "e@example.org")
    late = attempt("Late", "l@example.org", start=5)
    events(early, 1, 2, 3)
    events(late, 1, 2, 3)
    late.started_at = T0 + timedelta(hours=2)
    late.submitted_at = T0 + timedelta(hours=3)
    late.save()
    assert collusion.similar_pairs("exam") == []


def test_same_email_and_same_name_under_several_emails():
    attempt("Ann Lee", "ann@example.org")
    attempt("Ann Lee", "ANN@example.org ")
    attempt("Dan Ray", "dan@example.org")
    attempt("dan ray", "dan.ray@example.org")
    emails = collusion.shared_emails("exam")
    assert [(group.key, len(group.attempts)) for group in emails] == [("ann@example.org", 2)]
    names = collusion.names_under_several_emails("exam")
    assert [(group.key, len(group.attempts)) for group in names] == [("dan ray", 2)]


def test_the_page_links_a_pair_to_both_reports_side_by_side(cohort_data, proctor_client):
    ann, bob, _ = cohort_data
    page = proctor_client.get(reverse("test-page", args=["exam"])).content.decode()
    compare = reverse("test-compare", args=["exam", ann.pk, bob.pk])
    assert compare in page
    response = proctor_client.get(compare)
    assert response.context["shared"] == 3
    body = response.content.decode()
    assert reverse("attempt-report", args=[ann.pk]) in body
    assert reverse("attempt-report", args=[bob.pk]) in body


def test_the_strip_counts_violations_per_minute_and_finds_the_shared_spike(cohort_data):
    strip = cohort.minute_strip("exam")
    assert strip.minutes == [T0 + timedelta(minutes=m) for m in (1, 2, 3, 4, 9, 30, 31)]
    row = next(row for row in strip.rows if row.label == "tab-switch")
    first_minute = strip.minutes.index(T0 + timedelta(minutes=1))
    assert row.cells[first_minute][:2] == (3, 3)
    assert (T0 + timedelta(minutes=1), "tab-switch", 3) in strip.spikes
    assert (T0 + timedelta(minutes=4), "tab-switch", 1) not in strip.spikes


def test_a_reviewer_dismisses_a_label_for_a_window_across_the_test(cohort_data, proctor_client):
    url = reverse("test-dismiss-window", args=["exam"])
    start = (T0 + timedelta(minutes=1)).isoformat()
    refused = proctor_client.post(
        url, {"label": "tab-switch", "start": start, "minutes": "1", "reason": ""}, follow=True
    )
    assert "give a reason" in refused.content.decode()
    assert not EvidenceDismissal.objects.exists()
    proctor_client.post(
        url, {"label": "tab-switch", "start": start, "minutes": "2", "reason": "fire alarm"}
    )
    # Minutes 1 and 2: Ann 2, Bob 2, Cat 2 events, one dismissal and audit entry each.
    assert EvidenceDismissal.objects.count() == 6
    assert AuditEvent.objects.filter(action="evidence.dismiss_window").count() == 6
    proctor_client.post(
        url, {"label": "tab-switch", "start": start, "minutes": "2", "reason": "again"}
    )
    assert EvidenceDismissal.objects.count() == 6  # each event keeps its first dismissal


def test_a_window_that_is_not_understood_dismisses_nothing(cohort_data, proctor_client):
    url = reverse("test-dismiss-window", args=["exam"])
    response = proctor_client.post(
        url,
        {"label": "tab-switch", "start": "10:42", "minutes": "1", "reason": "x"},
        follow=True,
    )
    assert "the window was not understood" in response.content.decode()
    assert not EvidenceDismissal.objects.exists()


def test_the_forecast_follows_a_known_burn_rate(settings):
    settings.CREDITS_WARN_DAYS = 14
    settings.CREDITS_WARN_BELOW = 10
    now = T0
    # 10 credits a day for 10 days, ending at 100 left: 10 days to go.
    for day in range(11):
        make_usage(
            taken_at=now - timedelta(days=10 - day),
            credits_remaining=200 - 10 * day,
            usage_by_lookup_key=[{"lookup_key": "exam", "credits": 10 * day}],
        )
    forecast = credit_forecast(now=now)
    assert forecast.balance == 100
    assert forecast.burn_per_day == pytest.approx(10)
    assert forecast.days_left == pytest.approx(10)
    assert forecast.runs_out_on == (now + timedelta(days=10)).date()
    assert forecast.earliest == forecast.latest == forecast.runs_out_on  # a steady pace
    assert forecast.warn and "run out in 10 days" in forecast.warn_reason
    assert burn_by_test(now=now) == [("exam", pytest.approx(10))]


def test_a_top_up_is_not_read_as_negative_use(settings):
    settings.CREDITS_WARN_BELOW = 0
    make_usage(taken_at=T0 - timedelta(days=2), credits_remaining=100)
    make_usage(taken_at=T0 - timedelta(days=1), credits_remaining=80)
    make_usage(taken_at=T0, credits_remaining=1080)  # bought 1,000
    forecast = credit_forecast(now=T0)
    assert forecast.burn_per_day == pytest.approx(10)
    assert forecast.days_left == pytest.approx(108)
    assert not forecast.warn


def test_a_low_balance_warns_test_admins_on_the_usage_page(test_admin_client, settings):
    settings.CREDITS_WARN_BELOW = 500
    make_usage(credits_remaining=412)
    page = test_admin_client.get(reverse("usage")).content.decode()
    assert 'id="credits-warning"' in page and "Only 412 credits are left" in page
    settings.CREDITS_WARN_BELOW = 100
    page = test_admin_client.get(reverse("usage")).content.decode()
    assert 'id="credits-warning"' not in page


def test_the_tests_index_warns_test_admins_only(test_admin_client, proctor_client, settings):
    settings.CREDITS_WARN_BELOW = 500
    make_usage(credits_remaining=412)
    assert 'id="credits-warning"' in test_admin_client.get(reverse("tests-index")).content.decode()
    assert 'id="credits-warning"' not in proctor_client.get(reverse("tests-index")).content.decode()


def test_the_page_lists_the_largest_groups_and_spikes_and_says_how_many_more(proctor_client):
    for number in range(collusion.MAX_GROUPS + 2):
        for _ in range(2):
            attempt(f"Pair {number}", f"pair{number:02d}@example.org")
    crowd = [attempt("Crowd", "crowd@example.org") for _ in range(collusion.MAX_MEMBERS + 2)]
    for person in crowd[:3]:
        events(person, *range(cohort.MAX_SPIKES + 1))  # a spike in every one of those minutes
    emails = collusion.shared_emails("exam")
    assert (len(emails), emails.total, emails.hidden) == (collusion.MAX_GROUPS, 23, 3)
    largest = next(group for group in emails if group.key == "crowd@example.org")
    assert (len(largest.attempts), largest.more) == (collusion.MAX_MEMBERS, 2)
    strip = cohort.minute_strip("exam")
    assert (len(strip.spikes), strip.hidden_spikes) == (cohort.MAX_SPIKES, 1)
    page = proctor_client.get(reverse("test-page", args=["exam"])).content.decode()
    assert "2 more</a>" in page and "?lookup_key=exam&amp;q=crowd%40example.org" in page
    assert "3 less suspicious groups not shown" in page
    assert "1 smaller spike not listed" in page


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("start", "9999-12-31T23:59:59+14:00", "Dismissed 0 events"),
        ("start", "0001-01-01T00:00:00+14:00", "the window was not understood"),
        ("label", "tab\x00switch", "no label holds a NUL"),
    ],
)
def test_a_window_out_of_range_or_a_nul_label_is_refused_not_a_server_error(
    cohort_data, proctor_client, field, value, said
):
    proctor_client.raise_request_exception = True
    form = {
        "label": "tab-switch",
        "start": (T0 + timedelta(minutes=1)).isoformat(),
        "minutes": "2",
        "reason": "fire\x00 alarm",
    }
    response = proctor_client.post(
        reverse("test-dismiss-window", args=["exam"]), {**form, field: value}, follow=True
    )
    assert response.status_code == 200
    assert said in response.content.decode()
    assert not EvidenceDismissal.objects.exists()


def test_a_nul_in_the_reason_is_stored_replaced(cohort_data, proctor_client):
    form = {"label": "tab-switch", "start": (T0 + timedelta(minutes=1)).isoformat()}
    proctor_client.post(
        reverse("test-dismiss-window", args=["exam"]),
        {**form, "minutes": "1", "reason": "fire\x00alarm"},
    )
    assert EvidenceDismissal.objects.first().reason == "fire\ufffdalarm"


def test_shared_emails_come_most_suspicious_first_and_the_rest_fold(proctor_client):
    for index in range(12):
        for copy in range(2):
            made = attempt(
                f"P{index}", f"p{index}@example.org", trust_score=0.9 - index / 20 - copy / 100
            )
    events(made, 1, 2)
    groups = collusion.shared_emails("exam")
    assert [group.key for group in groups][:2] == ["p11@example.org", "p10@example.org"]
    assert groups[0].lowest_trust == pytest.approx(0.9 - 11 / 20 - 0.01)
    page = proctor_client.get(reverse("test-page", args=["exam"])).content.decode()
    assert "<summary>2 more</summary>" in page
    # The minute strip scrolls from the keyboard and says which day its minutes are.
    assert 'tabindex="0" role="region" aria-label="Violations minute by minute' in page
    assert '<span class="heat-day">' in page
