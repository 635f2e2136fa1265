"""The tenant calls' authentication form (autoproctor/auth.py): the signatures of each form, and
when a refused tenant call is worth probing, how many calls it costs, and what the verdict says.
The probe's calls are given as plain functions here; tests/test_first_contact.py drives it over
real HTTP against the simulator."""

import base64

import pytest

from autoproctor.auth import (
    ACCEPTED,
    REFUSED,
    UNKNOWN,
    AuthProbe,
    Proof,
    digest_as,
    proof_from_status,
    timestamp_in,
)
from autoproctor.errors import BadCredentials

TIMESTAMP_VECTOR = "G3Tq+H2kaHe6ZRrIErJKO/AZkOntAQG4gmj2D5ZXKeI="
SECRET_ACCEPTED = Proof(ACCEPTED, "the one-attempt call answered 200")


def test_each_form_signs_the_same_digest():
    assert digest_as("1700000000", "test-secret", "base64") == TIMESTAMP_VECTOR
    assert digest_as("1700000000", "test-secret", "hex") == base64.b64decode(TIMESTAMP_VECTOR).hex()
    assert timestamp_in("seconds", 1_700_000_000.987) == "1700000000"
    assert timestamp_in("milliseconds", 1_700_000_000.987) == "1700000000987"


class Account:
    """Answers the probe's calls: which form works, and what the attempt call says."""

    def __init__(self, works=None, proof=SECRET_ACCEPTED):
        self.works, self.proof = works, proof
        self.tried, self.learned = [], []

    def probe(self):
        return AuthProbe(
            current=lambda: ("seconds", "base64"),
            prove=lambda: self.proof,
            try_form=self.try_form,
            learn=lambda unit, encoding: self.learned.append((unit, encoding)),
        )

    def try_form(self, unit, encoding):
        self.tried.append((unit, encoding))
        return 200 if (unit, encoding) == self.works else 403


def refused(words="Forbidden."):
    return BadCredentials(f"AutoProctor refused the credentials (403: {words})", status=403)


def test_a_secret_the_attempt_calls_accept_makes_it_try_the_other_forms_until_one_works():
    account = Account(works=("milliseconds", "hex"))

    assert account.probe().recover(refused(), refused_call_was_results=True) is True

    assert account.tried == [
        ("milliseconds", "base64"),
        ("seconds", "hex"),
        ("milliseconds", "hex"),
    ]
    assert account.learned == [("milliseconds", "hex")]


def test_words_about_the_signature_make_it_probe_when_no_attempt_call_can_tell():
    account = Account(works=("milliseconds", "base64"), proof=Proof(UNKNOWN, "no answer"))

    assert account.probe().recover(refused("Invalid signature."), refused_call_was_results=True)
    assert account.learned == [("milliseconds", "base64")]


def test_a_secret_a_stored_attempt_refuses_is_wrong_without_trying_other_forms():
    proof = Proof(REFUSED, "the one-attempt call of stored attempt 'a-1' answered 403", True)
    account = Account(proof=proof)
    probe = account.probe()

    with pytest.raises(BadCredentials) as raised:
        probe.recover(refused("Invalid signature."), refused_call_was_results=True)

    assert account.tried == []
    assert "The attempt calls refuse these credentials too (the one-attempt call of stored " in str(
        raised.value
    )
    assert "the client secret (or the client id) is wrong" in str(raised.value)


def test_no_proof_and_no_words_say_the_secret_is_likely_wrong_without_probing():
    account = Account(proof=Proof(UNKNOWN, "the one-attempt call had no answer"))

    with pytest.raises(BadCredentials) as raised:
        account.probe().recover(refused("Forbidden."), refused_call_was_results=True)

    assert account.tried == []
    assert "the client secret is likely wrong" in str(raised.value)


def test_when_no_form_works_it_names_each_form_tried_and_probes_only_once():
    account = Account()
    probe = account.probe()

    with pytest.raises(BadCredentials) as first:
        probe.recover(refused(), refused_call_was_results=True)
    with pytest.raises(BadCredentials) as again:
        probe.recover(refused(), refused_call_was_results=True)

    message = str(first.value)
    assert "The attempt calls accept this secret (the one-attempt call answered 200)" in message
    assert "the tenant calls refuse every form tried: the UNIX time in seconds with a Base64 " in (
        message
    )
    assert "the UNIX time in milliseconds with a hex digest (403)" in message
    assert len(account.tried) == 3  # once each, and not again on the second refusal
    assert again.value is first.value


@pytest.mark.parametrize(
    ("status", "known", "verdict"),
    [
        (200, True, ACCEPTED),
        (404, False, ACCEPTED),
        (404, True, UNKNOWN),
        (403, False, REFUSED),
        (401, True, REFUSED),
        (None, False, UNKNOWN),
        (500, False, UNKNOWN),
    ],
)
def test_what_an_attempt_signed_call_proves_about_the_secret(status, known, verdict):
    assert proof_from_status(status, "a-1", known).verdict == verdict
