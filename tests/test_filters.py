"""The attempts filters: each narrows the list as its label says, and bad input is reported."""

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.filters import AttemptFilter
from dashboard.selectors import attempt_list
from proctoring.models import Attempt
from proctoring.selectors import distinct_values
from tests.fixtures.data import make_attempt, make_records
from tests.fixtures.personas import unscoped_user

pytestmark = pytest.mark.django_db


def filtered(**params):
    user = unscoped_user()
    attempt_filter = AttemptFilter(
        params, queryset=attempt_list(user), request=SimpleNamespace(user=user)
    )
    assert attempt_filter.is_valid(), attempt_filter.errors
    return sorted(attempt.test_attempt_id for attempt in attempt_filter.qs)


def test_search_finds_a_name_an_email_or_an_attempt_id_in_any_case():
    make_attempt(test_attempt_id="A-1", candidate_name="Zoë Ångström", candidate_email="z@x.org")
    make_attempt(test_attempt_id="A-2", candidate_name="Bob", candidate_email="bob@ZED.example")
    make_attempt(test_attempt_id="ZED-3", candidate_name="Carol", candidate_email="c@x.org")
    make_attempt(test_attempt_id="A-4", candidate_name="Dan", candidate_email="d@x.org")
    assert filtered(q="zed") == ["A-2", "ZED-3"]
    assert filtered(q="Ångström") == ["A-1"]
    assert filtered(q="  ") == ["A-1", "A-2", "A-4", "ZED-3"]


def test_the_test_filter_offers_each_lookup_key_once_and_narrows_to_it():
    make_attempt(test_attempt_id="m1", lookup_key="maths")
    make_attempt(test_attempt_id="m2", lookup_key="maths")
    make_attempt(test_attempt_id="p1", lookup_key="physics")
    make_attempt(test_attempt_id="n1", lookup_key="")
    form = AttemptFilter({}, request=SimpleNamespace(user=unscoped_user())).form
    choices = [value for value, _ in form.fields["lookup_key"].choices]
    assert choices == ["", "maths", "physics"]
    assert filtered(lookup_key="maths") == ["m1", "m2"]


def test_distinct_values_are_sorted_and_skip_empty_ones():
    for key in ["b", "a", "", "c", "a", "b"]:
        make_attempt(lookup_key=key)
    assert distinct_values(Attempt, "lookup_key") == ["a", "b", "c"]


def test_the_trust_range_is_entered_in_percent_and_includes_its_ends():
    for i, score in enumerate([0.59, 0.6, 0.72, 0.85, 0.851, None]):
        make_attempt(test_attempt_id=f"t{i}", trust_score=score)
    assert filtered(trust_min="60", trust_max="85") == ["t1", "t2", "t3"]
    assert filtered(trust_min="85.05") == ["t4"]
    assert filtered(trust_max="59.5") == ["t0"]


def test_the_submitted_range_uses_whole_days_in_the_configured_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    with timezone.override("America/New_York"):
        local = timezone.get_current_timezone()
        make_attempt(
            test_attempt_id="late", submitted_at=datetime(2026, 3, 10, 23, 30, tzinfo=local)
        )
        make_attempt(
            test_attempt_id="early", submitted_at=datetime(2026, 3, 10, 0, 0, tzinfo=local)
        )
        make_attempt(test_attempt_id="next", submitted_at=datetime(2026, 3, 11, 0, 0, tzinfo=local))
        make_attempt(test_attempt_id="open", submitted_at=None)
        assert filtered(submitted_after="2026-03-10", submitted_before="2026-03-10") == [
            "early",
            "late",
        ]
        assert filtered(submitted_after="2026-03-11") == ["next"]
        assert filtered(submitted_before="2026-03-10") == ["early", "late"]


def test_has_violation_matches_violations_of_that_label_only():
    flagged = make_attempt(test_attempt_id="flagged")
    make_records(flagged, "tab-switch")
    informational = make_attempt(test_attempt_id="photo-only")
    make_records(informational, "tab-switch", is_violation=False)
    other = make_attempt(test_attempt_id="noise")
    make_records(other, "noise-detected", "noise-detected")
    assert filtered(violation="tab-switch") == ["flagged"]
    assert filtered(violation="noise-detected") == ["noise"]  # once, however many records


def test_the_evidence_status_filter_knows_unexpected_statuses_too():
    make_attempt(test_attempt_id="a", evidence_status="processing")
    make_attempt(test_attempt_id="b", evidence_status="processed")
    make_attempt(test_attempt_id="c", evidence_status="failed")
    choices = [value for value, _ in AttemptFilter({}).form.fields["evidence_status"].choices]
    assert choices == ["", "processing", "processed", "failed"]
    assert filtered(evidence_status="processing") == ["a"]
    assert filtered(evidence_status="failed") == ["c"]


def test_below_threshold_leaves_out_unscored_attempts_and_the_threshold_itself(settings):
    settings.REVIEW_THRESHOLD = 0.85
    for i, score in enumerate([0.2, 0.849, 0.85, 0.99, None]):
        make_attempt(test_attempt_id=f"t{i}", trust_score=score)
    assert filtered(below_threshold="on") == ["t0", "t1"]
    assert len(filtered(below_threshold="")) == 5


def test_in_progress_shows_attempts_not_submitted_yet():
    make_attempt(test_attempt_id="done")
    make_attempt(test_attempt_id="going", submitted_at=None, trust_score=None)
    assert filtered(in_progress="on") == ["going"]


def test_filters_combine():
    make_attempt(test_attempt_id="x1", lookup_key="maths", trust_score=0.5)
    make_attempt(test_attempt_id="x2", lookup_key="maths", trust_score=0.95)
    make_attempt(test_attempt_id="x3", lookup_key="physics", trust_score=0.5)
    assert filtered(lookup_key="maths", below_threshold="on") == ["x1"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"trust_min": "abc"}, "Trust score from (%): Enter a number."),
        (
            {"trust_max": "150"},
            "Trust score to (%): Ensure this value is less than or equal to 100.",
        ),
        ({"lookup_key": "nope"}, "Test: Select a valid choice. nope is not one of the available"),
        ({"submitted_after": "yesterday"}, "Submitted between: Enter a valid date."),
    ],
)
def test_a_filter_value_that_does_not_validate_is_reported_and_left_out(
    proctor_client, params, message
):
    make_attempt()
    make_attempt()
    response = proctor_client.get(reverse("attempt-list"), params)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Some filters were not understood and are not applied" in page
    assert message in page.replace("&#x27;", "'")
    assert "2 attempts match." in page


def test_the_form_shows_the_filters_in_use(proctor_client):
    make_attempt(lookup_key="maths")
    page = proctor_client.get(
        reverse("attempt-list"), {"q": "ann", "lookup_key": "maths", "in_progress": "on"}
    ).content.decode()
    assert 'value="ann"' in page
    assert '<option value="maths" selected>' in page
    assert 'name="in_progress" id="id_in_progress" checked' in page


def test_a_submitted_time_on_the_last_second_of_the_day_is_still_that_day():
    end_of_day = timezone.make_aware(datetime(2026, 5, 1, 23, 59, 59, 999000))
    make_attempt(test_attempt_id="edge", submitted_at=end_of_day)
    make_attempt(test_attempt_id="after", submitted_at=end_of_day + timedelta(milliseconds=2))
    assert filtered(submitted_before="2026-05-01") == ["edge"]


def test_has_any_of_matches_a_violation_of_any_listed_label():
    make_records(make_attempt(test_attempt_id="tab"), "tab-switch")
    make_records(make_attempt(test_attempt_id="noise"), "noise-detected")
    make_records(make_attempt(test_attempt_id="face"), "multiple-faces-detected")
    make_records(make_attempt(test_attempt_id="photo"), "tab-switch", is_violation=False)
    attempt_filter = AttemptFilter(
        {"labels": ["tab-switch", "noise-detected"]}, queryset=attempt_list(unscoped_user())
    )
    assert attempt_filter.is_valid(), attempt_filter.errors
    assert sorted(a.test_attempt_id for a in attempt_filter.qs) == ["noise", "tab"]


def test_a_minimum_count_counts_that_label_or_every_violation():
    make_records(make_attempt(test_attempt_id="three-tabs"), *["tab-switch"] * 3)
    make_records(make_attempt(test_attempt_id="one-tab"), "tab-switch", "noise-detected")
    make_attempt(test_attempt_id="none")
    assert filtered(count_min="2", count_label="tab-switch") == ["three-tabs"]
    assert filtered(count_min="2") == ["one-tab", "three-tabs"]
    assert filtered(count_min="1", count_label="noise-detected") == ["one-tab"]


def test_the_duration_range_is_in_minutes_and_includes_its_ends():
    start = timezone.now() - timedelta(hours=3)
    for minutes in (10, 30, 90):
        make_attempt(
            test_attempt_id=f"m{minutes}",
            started_at=start,
            submitted_at=start + timedelta(minutes=minutes),
        )
    make_attempt(test_attempt_id="running", started_at=start, submitted_at=None)
    assert filtered(duration_min="30") == ["m30", "m90"]
    assert filtered(duration_max="30") == ["m10", "m30"]
    assert filtered(duration_min="15", duration_max="60") == ["m30"]


def test_more_filters_opens_only_for_the_filters_behind_it():
    main_only = AttemptFilter({"q": "x", "below_threshold": "on"})
    more = AttemptFilter({"duration_min": "5"})
    assert main_only.is_valid() and more.is_valid()
    assert not main_only.more_active
    assert more.more_active


def test_a_duration_or_count_too_large_is_reported_not_a_server_error(proctor_client):
    page = proctor_client.get(
        reverse("attempt-list"), {"duration_min": "9" * 25, "count_min": "9" * 25}
    ).content.decode()
    assert "Duration from (minutes): Ensure this value is less than or equal to 527040." in page
    assert "At least (violations): Ensure this value is less than or equal to 1000000." in page


def test_each_filter_set_has_its_own_filters_and_choices():
    """The filters are copied for each request (dashboard.filters._Filters): one request's
    choices and labels never reach another's, nor the class's own filters."""
    make_attempt(lookup_key="test-a")
    user = unscoped_user()
    request = SimpleNamespace(user=user)
    first = AttemptFilter({"lookup_key": "test-a"}, queryset=attempt_list(user), request=request)
    assert first.is_valid() and first.qs.count() == 1
    Attempt.objects.all().delete()
    make_attempt(lookup_key="test-b")
    second = AttemptFilter({"lookup_key": "test-a"}, queryset=attempt_list(user), request=request)
    assert not second.is_valid()  # test-a is no longer a choice
    assert list(first.form.fields["lookup_key"].choices)[1:] == [("test-a", "test-a")]
    assert list(second.form.fields["lookup_key"].choices)[1:] == [("test-b", "test-b")]
    assert first.filters["lookup_key"] is not second.filters["lookup_key"]
    assert "choices" not in AttemptFilter.base_filters["lookup_key"].extra
    assert first.filters["below_threshold"].filter.f is first.filters["below_threshold"]
