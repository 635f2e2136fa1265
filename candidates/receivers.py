"""The candidate's side listening to the apps below it: a verdict (the CANDIDATE_LINK_ON_VIOLATION
rule) and an erasure (responses and links go with the personal data)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.dispatch import receiver

from access.logins import email_configured
from candidates import services
from proctoring.models import Attempt
from retention.signals import personal_data_erased
from review.models import Verdict
from review.signals import verdict_given

logger = logging.getLogger("candidates")


@receiver(verdict_given)
def link_on_violation(sender, *, attempt_id: int, verdict: str, **kwargs) -> None:
    """With CANDIDATE_LINK_ON_VIOLATION, an attempt given "Violation confirmed" gets a link,
    emailed to the candidate. The token is never kept, so without email and SITE_URL (or an
    address on the attempt) no link is made: the reviewer makes one on the report."""
    if not settings.CANDIDATE_LINK_ON_VIOLATION or verdict != Verdict.VIOLATION:
        return
    attempt = Attempt.objects.filter(pk=attempt_id).first()
    if attempt is None or not attempt.candidate_email:
        return
    if not (email_configured() and settings.SITE_URL):
        logger.warning(
            "CANDIDATE_LINK_ON_VIOLATION is set but email or SITE_URL is not: no response link "
            "was made for attempt %s",
            attempt.test_attempt_id,
        )
        return
    link, token = services.create_link(attempt=attempt, user=None)
    services.email_link(link=link, url=services.link_address(token))


@receiver(personal_data_erased)
def erase_responses(sender, *, attempt_ids: list[int], **kwargs) -> None:
    services.erase_for_attempts(attempt_ids)
