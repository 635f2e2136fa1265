"""An unpaged results answer (every attempt in one document) is read as a stream: the client
hands it on in batches and its memory does not grow with the answer. The simulator runs in its
own process, so only the client's memory is measured."""

import gc
import tracemalloc

import pytest

from autoproctor import AutoProctorClient
from tests.test_simulator_command import read_settings, start_command

ATTEMPTS = 20_000  # about 6 MB of JSON: big enough that holding it would show
BATCH = 500


@pytest.fixture(scope="module")
def unpaged_simulator():
    process = start_command(
        "--port", "0", "--attempts", str(ATTEMPTS), "--seed", "3", "--dialect", "unpaged"
    )
    printed = read_settings(process, timeout=120)
    yield printed
    process.terminate()
    process.wait(timeout=10)


def client_of(printed) -> AutoProctorClient:
    return AutoProctorClient(
        base_url=printed["AUTOPROCTOR_BASE_URL"],
        client_id=printed["AUTOPROCTOR_CLIENT_ID"],
        client_secret=printed["AUTOPROCTOR_CLIENT_SECRET"],
        max_retries=1,
    )


def test_an_unpaged_answer_comes_in_batches_in_memory_that_does_not_grow_with_it(
    unpaged_simulator,
):
    with client_of(unpaged_simulator) as client:
        gc.collect()
        tracemalloc.start()
        sizes, ids = [], set()
        for page in client.iter_result_pages(batch_size=BATCH):
            sizes.append(len(page.attempts))
            ids.add(page.attempts[0].test_attempt_id)
            del page
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    assert sum(sizes) == ATTEMPTS and max(sizes) == BATCH and len(ids) == len(sizes)
    # Holding the answer would take its text plus several times that as objects (the test
    # below); a stream holds one batch and ijson's buffer.
    assert peak < 5_000_000, f"peak {peak / 1e6:.1f} MB"


def test_the_same_answer_read_whole_would_take_far_more(unpaged_simulator):
    """The bound above means something: parsing the whole document at once costs ten times more."""
    import json

    from autoproctor.testing.fixtures import SignedCalls

    calls = SignedCalls.to(
        unpaged_simulator["AUTOPROCTOR_BASE_URL"],
        unpaged_simulator["AUTOPROCTOR_CLIENT_ID"],
        unpaged_simulator["AUTOPROCTOR_CLIENT_SECRET"],
    )
    body = calls.results().content
    gc.collect()
    tracemalloc.start()
    document = json.loads(body)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert len(document["results"]) == ATTEMPTS
    assert peak > 25_000_000, f"peak {peak / 1e6:.1f} MB"
