"""The console's presign form takes at most MAX_PATHS paths of at most MAX_PATH_LENGTH
characters, and says so; a form refused sends nothing to AutoProctor."""

import html

import pytest
from django.core.cache import cache
from django.urls import reverse

from console.forms import MAX_PATH_LENGTH, MAX_PATHS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_allowance():
    cache.clear()
    yield
    cache.clear()


def presign(client, paths):
    response = client.post(
        reverse("console"),
        {"endpoint": "presign", "test_attempt_id": "attempt-1", "paths": "\n".join(paths)},
    )
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def presign_requests(simulator):
    return [request for request in simulator.requests if "presigned-urls" in request.path]


@pytest.mark.parametrize(
    ("paths", "refusal"),
    [
        ([f"e/{n}.png" for n in range(MAX_PATHS + 1)], f"Enter at most {MAX_PATHS} paths at once."),
        (["e/" + "x" * (MAX_PATH_LENGTH - 1)], f"A path is at most {MAX_PATH_LENGTH} characters."),
    ],
)
def test_a_refused_list_of_paths_says_why_and_sends_nothing(
    simulator, test_admin_client, paths, refusal
):
    assert refusal in presign(test_admin_client, paths)
    assert presign_requests(simulator) == []


@pytest.mark.parametrize(
    "paths",
    [
        [f"e/{n}.png" for n in range(MAX_PATHS)],
        ["e/" + "x" * (MAX_PATH_LENGTH - 2)],
    ],
)
def test_the_most_paths_and_the_longest_path_allowed_are_sent(simulator, test_admin_client, paths):
    presign(test_admin_client, paths)
    assert len(presign_requests(simulator)) == 1
