"""Writing the candidate's side: making, emailing and revoking response links, and receiving a
candidate's response. Every action is audited; a response is also announced to reviewers.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from access.logins import email_configured
from audit.services import audit_record
from candidates import tokens
from candidates.models import CandidateResponse, LinkState, ResponseLink
from notifications.events import CANDIDATE_RESPONDED, event_record
from proctoring.models import Attempt

logger = logging.getLogger("candidates")

LINK_CREATE = "candidate_link.create"
LINK_REVOKE = "candidate_link.revoke"
RESPONSE_RECEIVED = "candidate.response"
CANDIDATE = "candidate"  # who the audit trail names for what comes through a link
RULE = "rule: Violation confirmed"  # who made a link CANDIDATE_LINK_ON_VIOLATION made


class AlreadyAnswered(Exception):
    """The attempt has a response already: a candidate answers once."""


def create_link(*, attempt: Attempt, user: AbstractBaseUser | None) -> tuple[ResponseLink, str]:
    """A new link for `attempt`, valid CANDIDATE_LINK_DAYS, and its token (never stored), made
    by `user` (None: by the rule). The attempt's earlier links that still open are revoked:
    one attempt, one live link."""
    by = user.get_username() if user is not None else RULE
    token = tokens.new_token()
    now = timezone.now()
    with transaction.atomic():
        live = ResponseLink.objects.filter(
            attempt=attempt, revoked_at__isnull=True, expires_at__gt=now
        )
        live.update(revoked_at=now, revoked_by_name=by)
        link = ResponseLink.objects.create(
            attempt=attempt,
            token_hash=tokens.token_hash(token),
            created_at=now,
            created_by_name=by,
            expires_at=now + timedelta(days=settings.CANDIDATE_LINK_DAYS),
        )
        audit_record(
            user=user,
            actor="" if user is not None else RULE,
            action=LINK_CREATE,
            attempt=attempt,
            summary=f"Created a response link for the candidate, open until "
            f"{link.expires_at:%Y-%m-%d %H:%M} UTC",
            detail={"link": link.pk, "expires_at": link.expires_at.isoformat()},
        )
    return link, token


def revoke_link(*, link: ResponseLink, user: AbstractBaseUser) -> bool:
    """Close the link now. False when it was not open any more."""
    if link.state() != LinkState.LIVE:
        return False
    with transaction.atomic():
        link.revoked_at = timezone.now()
        link.revoked_by_name = user.get_username()
        link.save(update_fields=["revoked_at", "revoked_by_name"])
        audit_record(
            user=user,
            action=LINK_REVOKE,
            attempt=link.attempt,
            summary="Revoked the candidate's response link",
            detail={"link": link.pk},
        )
    return True


def link_address(token: str, base: str = "") -> str:
    """The link's absolute URL: on `base` (the address the reviewer's request came to), or on
    SITE_URL when there is no request; only a path when neither is known."""
    return (base or settings.SITE_URL) + reverse("candidate-respond", args=[token])


def email_link(*, link: ResponseLink, url: str) -> bool:
    """Send the link to the candidate's address from the attempt, from this process: the URL
    must never sit in a task queue. False when email is not configured or the attempt has no
    address (the reviewer then passes the link on)."""
    address = link.attempt.candidate_email
    if not (email_configured() and address):
        return False
    EmailMessage(
        subject="Your test attempt: see what was recorded and respond",
        body=(
            f"Hello,\n\nYour attempt at the test {link.attempt.lookup_key or ''} was reviewed. "
            "At the address below you can see what was recorded during it and send us your "
            f"response, once:\n\n{url}\n\nThe link works until "
            f"{link.expires_at:%Y-%m-%d %H:%M} UTC. It is for you alone: do not pass it on.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
    ).send()
    link.emailed_at = timezone.now()
    link.save(update_fields=["emailed_at"])
    return True


def submit_response(*, link: ResponseLink, text: str) -> CandidateResponse:
    """Keep the candidate's response and tell the reviewers. Raises AlreadyAnswered when the
    attempt has one (also when two submissions race)."""
    attempt = link.attempt
    try:
        with transaction.atomic():
            response = CandidateResponse.objects.create(attempt=attempt, link=link, text=text)
            audit_record(
                user=None,
                actor=CANDIDATE,
                action=RESPONSE_RECEIVED,
                attempt=attempt,
                summary=f"The candidate responded ({len(text)} characters)",
                detail={"link": link.pk},
            )
            event_record(
                event=CANDIDATE_RESPONDED,
                data={"count": 1, "attempts": [attempt.test_attempt_id]},
            )
    except IntegrityError:
        raise AlreadyAnswered from None
    return response


def erase_for_attempts(attempt_ids: list[int]) -> None:
    """A response is the candidate's own words, and a link leads to them: both go when the
    attempts' personal data is erased."""
    CandidateResponse.objects.filter(attempt_id__in=attempt_ids).delete()
    ResponseLink.objects.filter(attempt_id__in=attempt_ids).delete()
