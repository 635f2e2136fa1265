"""OIDC_ROLE_MAP: the syntax, its mistakes (named at start-up), and what a set of groups gives."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from access.roles import ROLES
from signon.role_map import grants_for, groups_in, parse_role_map


def grants(text, groups):
    return grants_for(parse_role_map(text, ROLES), groups)


def test_groups_give_roles_on_their_tests_and_unknown_groups_give_nothing():
    text = "exam-office=Test admin; course-bio101-staff=Proctor:bio101-*,BIO101/*"
    assert grants(text, ["course-bio101-staff", "chess-club"]) == (
        {"Proctor": ["BIO101/*", "bio101-*"]},
        ["chess-club"],
    )
    assert grants(text, ["exam-office"]) == ({"Test admin": []}, [])
    assert grants(text, ["Exam-Office"]) == ({}, ["Exam-Office"])  # group names are exact
    assert grants(text, []) == ({}, [])


def test_a_role_from_several_groups_reaches_the_union_of_their_tests_or_every_test():
    text = "bio-staff=Proctor:bio-*; chem-staff=proctor:chem-*; office=Proctor"
    assert grants(text, ["bio-staff", "chem-staff"]) == ({"Proctor": ["bio-*", "chem-*"]}, [])
    assert grants(text, ["bio-staff", "office"]) == ({"Proctor": []}, [])
    assert grants(text, ["office", "chem-staff"]) == ({"Proctor": []}, [])


def test_group_names_may_hold_equals_signs_and_commas():
    text = "cn=exam office,ou=groups,dc=uni = Test admin;;"
    assert grants(text, ["cn=exam office,ou=groups,dc=uni"]) == ({"Test admin": []}, [])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("exam-office", r"entry 1 \('exam-office'\) is not GROUP=ROLE or GROUP=ROLE:PATTERN"),
        ("a=Proctor; =Proctor", r"entry 2 \('=Proctor'\) is not GROUP=ROLE"),
        ("exam-office=Tests admin", r"'Tests admin' is not a role; use one of: Proctor, Test adm"),
        ("staff=Proctor:bio-*,", r"entry 1 .*A test pattern cannot be empty"),
        ("staff=Proctor:", r"entry 1 .*A test pattern cannot be empty; use \* for every test"),
    ],
)
def test_a_mistake_is_named_with_its_entry(text, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        parse_role_map(text, ROLES)


def test_the_groups_claim_may_be_a_list_or_one_name():
    assert groups_in({"groups": ["a", 3, "b"]}, "groups") == ["a", "b"]
    assert groups_in({"roles": "a"}, "roles") == ["a"]
    assert groups_in({"groups": {"a": 1}}, "groups") == []
    assert groups_in({}, "groups") == []
