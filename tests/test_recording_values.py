"""A shape recording keeps the API's vocabulary but no value of the account's: not a number
(a real trust score, a student number) and not free text under a vocabulary key (a device
named after its owner)."""

import json

import pytest

from autoproctor.anonymise import Anonymiser
from tests.test_replay import doctor, ready

PLANTED = {"student_no": 20231234, "device": "Bob Smith iPhone", "trust_score": 0.8731}


@pytest.mark.django_db(transaction=True)
def test_a_recording_keeps_no_number_or_free_text_of_the_account(make_simulator, tmp_path):
    simulator = ready(make_simulator)
    simulator.dataset.add_attempts(count=3, **PLANTED)
    path = tmp_path / "recording.json"

    status, report = doctor("--record", str(path))

    assert status == 0, report
    text = path.read_text()
    for value in PLANTED.values():
        assert json.dumps(value) not in text, value
    items = json.loads(text)["listing"]["items"]
    planted = [item for item in items if "student_no" in item]
    assert planted, "the planted attempts are the newest, so among the samples"
    for item in planted:
        assert len(str(item["student_no"])) == 8  # the shape stays
        assert 0 <= item["trust_score"] <= 1
        assert item["device"] != "Bob Smith iPhone"


def test_vocabulary_words_and_small_integers_are_kept_consistent_fakes_elsewhere():
    anonymiser = Anonymiser()
    document = {
        "label": "tab-switch",
        "evidence_status": "processed",
        "device": "primary",
        "status": "SUCCESS",
        "position": 3,
        "score": 0.5,
        "again": 0.5,
        "ok": True,
    }
    faked = anonymiser.document(document)
    assert {key: faked[key] for key in ("label", "evidence_status", "device", "status")} == {
        "label": "tab-switch",
        "evidence_status": "processed",
        "device": "primary",
        "status": "SUCCESS",
    }
    assert (faked["position"], faked["ok"]) == (3, True)
    assert faked["score"] == faked["again"] != 0.5  # one value, one fake
    assert anonymiser.document({"label": "Ann's phone"})["label"] != "Ann's phone"
