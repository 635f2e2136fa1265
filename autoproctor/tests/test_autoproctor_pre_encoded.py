"""The check in front of urllib3's target encoding (autoproctor.pre_encoded) returns what
urllib3's own function returns, for every kind of target: encoded or not, lower-case escapes,
stray `%`, non-ASCII, fragments. A urllib3 that encodes differently fails here first."""

import random

from urllib3 import connectionpool
from urllib3.util.url import _encode_target as urllib3_encode_target

from autoproctor import pre_encoded
from autoproctor.paths import ATTEMPT_PATH, encode
from autoproctor.signing import sign

ALPHABET = "abcXYZ019-._~!$&'()*+,;=:@/?#%[]{}<>\"\\^`| \t\né€\U0001f600"
# Mostly what urllib3 leaves alone, with escapes whole or broken: many take the quick return.
NEARLY_ENCODED = ["a", "Z", "9", "-", "~", "+", "=", "/", "?", "@", ":", "%2F", "%3D", "%2f", "%"]


def targets() -> list[str]:
    signature = encode(sign("attempt-1", "secret"))
    known = [
        "/",
        "/?",
        "/a?b?c",
        "/a#frag",
        "/a?b#frag",
        "/%",
        "/%2",
        "/%2f",
        "/%2F%2f",
        "/%zz",
        "/a b",
        "/é",
        "/%C3%A9",
        "/a?x=%2B&y=+&z=/",
        ATTEMPT_PATH.format(hashed_test_attempt_id=signature) + f"?id=c&hashed={signature}",
        "/bucket/key.json?X-Amz-Credential=SIM%2F20261208%2Fus-east-1&X-Amz-Signature=ab12",
    ]
    rng = random.Random(32)
    generated = [
        "/" + "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 30)))
        for _ in range(20_000)
    ]
    generated += [
        "/" + "".join(rng.choice(NEARLY_ENCODED) for _ in range(rng.randint(0, 30)))
        for _ in range(20_000)
    ]
    return known + generated


def test_the_quick_return_is_tried_often():
    quick = [t for t in targets() if pre_encoded.ENCODED_TARGET.fullmatch(t)]
    assert len(quick) > 1000


def outcome(encode, target: str):
    try:
        return encode(target)
    except Exception as error:  # a target urllib3 refuses is refused the same way
        return type(error), str(error)


def test_every_target_is_encoded_as_urllib3_encodes_it():
    for target in targets():
        expected = outcome(urllib3_encode_target, target)
        assert outcome(pre_encoded.encode_target, target) == expected, target


def test_an_encoded_target_is_returned_without_urllib3s_walk(monkeypatch):
    walked = []
    monkeypatch.setattr(pre_encoded.urllib3_url, "_encode_invalid_chars", walked.append)
    target = "/api/v2/test-attempts/a%2Bb%3D/?client_id=c&hashed_test_attempt_id=a%2Bb%3D"
    assert pre_encoded.encode_target(target) is target
    assert walked == []


def test_installed_once_in_front_of_urllib3_and_never_over_another_function(monkeypatch):
    monkeypatch.setattr(connectionpool, "_encode_target", urllib3_encode_target)
    assert pre_encoded.install()
    assert connectionpool._encode_target is pre_encoded.encode_target
    assert pre_encoded.install()  # again: still there

    def someone_elses(target):
        return target

    monkeypatch.setattr(connectionpool, "_encode_target", someone_elses)
    assert not pre_encoded.install()
    assert connectionpool._encode_target is someone_elses


def test_a_client_installs_it(make_client):
    make_client()
    assert connectionpool._encode_target is pre_encoded.encode_target
