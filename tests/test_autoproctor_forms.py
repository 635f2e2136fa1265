"""The one-attempt call's fallback between its two forms, over real HTTP: a hash containing `/`
refused in the path is asked again with the plain id, and the form that answered is kept and
handed to whoever stores it; a refusal in both forms names both."""

import pytest

from autoproctor import BadCredentials, NotFound
from autoproctor.forms import CallForms
from tests.sync_support import client_for


def ids_by_slash(simulator, client):
    with_slash = [i for i in simulator.dataset.attempts if "/" in client._sign(i)]
    without = [i for i in simulator.dataset.attempts if "/" not in client._sign(i)]
    return with_slash, without


def test_a_refused_hashed_path_falls_back_to_the_plain_id_and_remembers_it(make_simulator):
    simulator = make_simulator(dialects=("decoded-slashes",))
    learned = []
    client = client_for(simulator, on_learn=learned.append)
    with_slash, without = ids_by_slash(simulator, client)

    attempt = client.get_attempt(with_slash[0])
    simulator.clear_requests()
    client.get_attempt(without[0])

    assert attempt.test_attempt_id == with_slash[0]
    assert learned == [CallForms(attempt_form="id-query")]
    assert client.forms.attempt_form == "id-query"
    assert "hashed_test_attempt_id" in simulator.requests[0].target


def test_a_hash_without_a_slash_is_not_retried_and_the_error_names_the_form(simulator):
    client = client_for(simulator, client_secret="wrong-secret")
    _, without = ids_by_slash(simulator, client)
    simulator.clear_requests()

    with pytest.raises(NotFound, match="Sent with the hashed id in the path"):
        client.get_attempt(without[0])

    assert len(simulator.requests) == 1


def test_a_refusal_in_both_forms_names_both_and_what_to_run(simulator):
    client = client_for(simulator, client_secret="wrong-secret")
    with_slash, _ = ids_by_slash(simulator, client)

    with pytest.raises(BadCredentials) as raised:
        client.get_attempt(with_slash[0])

    message = str(raised.value)
    assert "in both forms: the hashed id in the path (" in message
    assert "the plain id in the path with hashed_test_attempt_id in the query (" in message
    assert "autoproctor_doctor" in message
    assert client.forms.attempt_form == "hashed-path"  # nothing worked: nothing learned


def test_a_client_told_the_other_client_id_spelling_sends_it(simulator):
    client = client_for(simulator, forms=CallForms(client_id_param="client_id"))

    processed = [
        i for i, a in simulator.dataset.attempts.items() if a["evidence_status"] == "processed"
    ]
    client.get_evidence_file_url(processed[0])

    assert "client_id=" in simulator.requests[-1].target
    assert "clientId=" not in simulator.requests[-1].target
