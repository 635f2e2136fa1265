"""The evidence pass's bounded pool: each worker thread keeps one database connection for the
whole pass (connecting anew per attempt cost more than the attempt's own queries), and the
pool stores exactly what the simulator has."""

import threading

import pytest
from django.db.backends.signals import connection_created

from proctoring.sync import sync_evidence, sync_results
from tests.sync_support import assert_matches_simulator, client_for


@pytest.mark.django_db(transaction=True)
def test_a_pool_of_three_opens_three_connections_however_many_attempts_it_stores(simulator):
    sync_results(client_for(simulator))
    opened_by = []

    def note(sender, connection, **kwargs):
        opened_by.append(threading.current_thread().name)

    connection_created.connect(note)
    try:
        run = sync_evidence(client_for(simulator), workers=3)
    finally:
        connection_created.disconnect(note)

    assert run.status == "succeeded"
    assert run.updated > 10  # far more attempts than workers
    assert len(opened_by) <= 3
    assert all(name.startswith("evidence") for name in opened_by)
    assert_matches_simulator(simulator)
