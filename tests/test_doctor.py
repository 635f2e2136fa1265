"""`manage.py autoproctor_doctor`: against the simulator in every dialect it reports what
answered and exits 0; with a wrong secret or a dead host it exits 1 naming the fix; what it
learns is stored in the API profile."""

import io
import re
import time

import pytest
from django.core.management import call_command

from autoproctor.testing import DIALECTS
from proctoring.models import ApiProfile

pytestmark = pytest.mark.django_db

EVIDENCE_READY = 600


def ready_simulator(make_simulator, dialects=()):
    """A simulator whose clock reads now, started long enough ago for evidence to be ready
    (the doctor signs with the real clock)."""
    simulator = make_simulator(start_time=time.time() - EVIDENCE_READY, dialects=dialects)
    simulator.clock.advance(EVIDENCE_READY)
    return simulator


def doctor() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("autoproctor_doctor", stdout=out, stderr=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


@pytest.mark.parametrize(
    "dialects",
    [(), *[(name,) for name in DIALECTS], DIALECTS],
    ids=["contract", *DIALECTS, "all-at-once"],
)
def test_the_doctor_passes_every_dialect_and_says_how_the_account_answers(make_simulator, dialects):
    simulator = ready_simulator(make_simulator, dialects)

    status, report = doctor()

    assert status == 0, report
    for capability in ("results", "report", "evidence", "presigned files", "usage"):
        assert f"  {capability}: OK" in report
    assert re.search(r"results, page 1(, in the form learned)?: 200 in", report)
    assert "Every call works: results and evidence can be synced." in report
    profile = ApiProfile.objects.get(client_id=simulator.client_id)
    assert profile.checked_at is not None
    assert profile.report["verdicts"]["evidence"]["ok"] is True


def test_the_doctor_names_the_forms_and_shapes_a_differing_account_uses(make_simulator):
    # Every dialect but "unordered", which would hide "ascending" (a listing has one order).
    ready_simulator(make_simulator, [name for name in DIALECTS if name != "unordered"])

    _, report = doctor()

    assert "one-attempt call: the plain id in the path" in report
    assert "this server decodes %2F" in report
    assert "paged: no" in report
    assert "order by time: oldest first" in report
    assert "submitted_at: present as `finishedAt`" in report
    assert "evidence_status: missing" in report
    assert "evidence_status in the one-attempt answer: beside test_attempt" in report
    profile = ApiProfile.objects.get()
    assert (profile.attempt_form, profile.listing_order, profile.paged) == (
        "id-query",
        "ascending",
        False,
    )
    assert profile.listing_has_evidence_status is False


def test_the_doctor_says_when_the_listing_is_in_no_time_order(make_simulator):
    ready_simulator(make_simulator, ("unordered",))

    _, report = doctor()

    assert "order by time: in no time order (every pass reads the whole listing)" in report
    assert ApiProfile.objects.get().listing_order == "unordered"


def test_a_field_under_an_unknown_name_is_reported_missing(make_simulator):
    ready_simulator(make_simulator, ("completed-at",))

    _, report = doctor()

    assert "submitted_at: missing" in report
    assert "unexpected fields seen: completed_at" in report


def test_a_wrong_secret_exits_1_naming_the_secret(simulator, settings):
    settings.AUTOPROCTOR_CLIENT_SECRET = "not-the-secret"

    status, report = doctor()

    assert status == 1
    assert "results: FAILED" in report
    assert "check AUTOPROCTOR_CLIENT_ID / AUTOPROCTOR_CLIENT_SECRET" in report
    assert "the client secret (or the client id) is wrong" in report
    assert "not-the-secret" not in report


def test_a_dead_host_exits_1_naming_the_address_to_check(simulator, settings):
    settings.AUTOPROCTOR_BASE_URL = "http://127.0.0.1:9"
    settings.AUTOPROCTOR_MAX_RETRIES = 1

    status, report = doctor()

    assert status == 1
    assert "results, page 1: no answer" in report
    assert "Could not reach http://127.0.0.1:9" in report
    assert "AUTOPROCTOR_BASE_URL" in report


def test_missing_credentials_exit_1_saying_what_to_set(simulator, settings):
    settings.AUTOPROCTOR_CLIENT_SECRET = ""

    status, report = doctor()

    assert status == 1
    assert "set AUTOPROCTOR_CLIENT_SECRET" in report
