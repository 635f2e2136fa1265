"""What the console remembers between requests: every evidence host AutoProctor handed out in
this session stays fetchable (not only the last), and each step's answer fills in the next
step's form (the attempt id, the evidence file URL, its files' paths one a line)."""

import html
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.fixtures.simulator import point_settings_at

pytestmark = pytest.mark.django_db

NOT_AUTOPROCTOR = "fetches evidence only from AutoProctor"


@pytest.fixture(autouse=True)
def fresh_allowance():
    cache.clear()
    yield
    cache.clear()


def post(client, endpoint, **fields):
    response = client.post(reverse("console"), {"endpoint": endpoint, **fields})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def form_of(client, endpoint):
    page = client.get(reverse("console"), {"endpoint": endpoint}).content.decode()
    return html.unescape(page)


def processed_with_files(simulator):
    return next(
        each
        for each, attempt in sorted(simulator.dataset.attempts.items())
        if attempt["evidence_status"] == "processed" and simulator.dataset.evidence_paths(each)
    )


def file_url_from(client, simulator):
    attempt_id = processed_with_files(simulator)
    page = post(client, "evidence_file_url", test_attempt_id=attempt_id)
    return re.search(r'"(http://[^"]+)"', page[page.index("temporary evidence JSON URL") :])[1]


def test_every_evidence_host_of_the_session_stays_fetchable(
    make_simulator, settings, test_admin_client
):
    first, second, configured = (make_simulator(seed=seed) for seed in (1, 2, 3))
    handed_out = {}
    for simulator in (first, second):
        point_settings_at(settings, simulator)
        handed_out[simulator] = file_url_from(test_admin_client, simulator)
    point_settings_at(settings, configured)

    for simulator, url in handed_out.items():
        simulator.clear_requests()
        assert NOT_AUTOPROCTOR not in post(test_admin_client, "evidence_json", file_url=url)
        assert len(simulator.requests) == 1


def test_each_answer_fills_in_the_next_steps_form(simulator, test_admin_client):
    attempt_id = processed_with_files(simulator)
    file_url = file_url_from(test_admin_client, simulator)

    evidence_form = form_of(test_admin_client, "evidence_json")
    assert f'name="file_url" value="{file_url}"' in evidence_form

    post(test_admin_client, "evidence_json", file_url=file_url)
    presign_form = form_of(test_admin_client, "presign")
    assert f'name="test_attempt_id" value="{attempt_id}"' in presign_form
    shown = re.search(r'<textarea name="paths"[^>]*>\s*(.*?)</textarea>', presign_form, re.S)[1]
    assert set(shown.strip().split("\n")) == set(simulator.dataset.evidence_paths(attempt_id))
