"""Finding the rows that mention an erased person: every stored form of their email and name
is found in any case, in text and in JSON, and nothing that merely resembles them (an email's
dot or plus is a character, not a pattern), on both databases."""

import pytest

from audit.models import AuditEvent
from notifications.models import NotificationEvent
from proctoring.redaction import NEEDLES_PER_QUERY, mentioning, needles_of, rewrite

pytestmark = pytest.mark.django_db

EMAIL = "o'neil+exam@uni.example"
NAME = "Renée Ørsted"


def event(data) -> NotificationEvent:
    return NotificationEvent.objects.create(event="sync.failing", data=data)


def found(needles) -> set:
    return {row.pk for row in mentioning(NotificationEvent.objects.all(), ["data"], needles)}


def test_every_stored_form_is_found_in_any_case():
    needles = needles_of([(EMAIL, NAME)])
    plain = event({"error": f"unknown {EMAIL.upper()}"})
    in_a_key = event({NAME.upper(): 1})
    nested = event({"warnings": [{"text": f"from {NAME.lower()}"}]})
    url = event({"url": "https://x.example/?q=o%27neil%2Bexam%40uni.example"})
    form_encoded = event({"url": "https://x.example/?q=Ren%C3%A9e+%C3%B8rsted"})
    assert found(needles) == {plain.pk, in_a_key.pk, nested.pk, url.pk, form_encoded.pk}


def test_a_lookalike_is_not_found():
    """The needle's punctuation is matched as itself: "." is not any character, "+" is not a
    repetition, "'" ends nothing."""
    needles = needles_of([(EMAIL, NAME)])
    event({"error": "o'neilexam@uni.example"})  # no "+": would match "l+" as a pattern
    event({"error": "o'neil+exam@uniXexample"})  # "." as any character
    event({"error": "Renee Orsted"})  # without the accents
    assert found(needles) == set()


def test_text_fields_and_many_needles_in_several_queries():
    """More needles than one query carries: the rows named by the last chunk are found too,
    in a text column and a JSON one."""
    people = [(f"person{index}@uni.example", f"Person Number{index}") for index in range(120)]
    needles = needles_of(people)
    assert len(needles) > 2 * NEEDLES_PER_QUERY
    first = AuditEvent.objects.create(action="export", summary="search person0@uni.example")
    last = AuditEvent.objects.create(action="export", detail={"note": "PERSON NUMBER119 was here"})
    AuditEvent.objects.create(action="export", summary="person120@uni.example")  # not erased
    rows = mentioning(AuditEvent.objects.all(), ["summary", "detail"], needles)
    assert {row.pk for row in rows} == {first.pk, last.pk}
    assert rewrite(rows, ["summary", "detail"], needles) == 2
    assert AuditEvent.objects.get(pk=last.pk).detail == {"note": "[erased] was here"}
