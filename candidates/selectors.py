"""Reading the candidate's side: what the page behind a link shows, and what the staff pages
show of links and responses (the report, the queue, the CSV)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import OuterRef, Subquery, TextField

from access.permissions import EXPORT_ATTEMPTS, VIEW_ATTEMPTS, VIEW_EVIDENCE
from access.scopes import is_scoped
from candidates.models import CandidateResponse, ResponseLink
from proctoring.models import Attempt, EvidenceRecord
from review.models import ReviewState, Verdict

EXPORT_PERMISSIONS = (VIEW_ATTEMPTS, VIEW_EVIDENCE, EXPORT_ATTEMPTS)


@dataclass
class CandidateView:
    """Everything the candidate sees, and nothing else: no score, no reviewer, no notes."""

    attempt: Attempt
    verdict: str
    violations: list[EvidenceRecord]
    files: list[EvidenceRecord]
    response: CandidateResponse | None


def in_words(label: str) -> str:
    """AutoProctor's kebab-case label in words: "multiple-faces" is "multiple faces"."""
    return label.replace("-", " ").replace("_", " ").strip()


def candidate_view(link: ResponseLink) -> CandidateView:
    attempt = link.attempt
    records = list(
        EvidenceRecord.objects.filter(attempt=attempt).order_by(
            "occurred_at", "recorded_at", "device", "position", "pk"
        )
    )
    for record in records:
        record.words = in_words(record.label)
    verdict = ""
    if settings.CANDIDATE_LINK_SHOWS_VERDICT:
        state = ReviewState.objects.filter(attempt=attempt).only("verdict").first()
        if state is not None and state.verdict != Verdict.UNREVIEWED:
            verdict = state.get_verdict_display()
    return CandidateView(
        attempt=attempt,
        verdict=verdict,
        violations=[record for record in records if record.is_violation],
        files=[record for record in records if record.has_file],
        response=response_of(attempt),
    )


@dataclass
class ReportPanel:
    """The report's view of the candidate's side: the response, and the attempt's links."""

    response: CandidateResponse | None
    links: list[ResponseLink] = field(default_factory=list)
    # A candidate's copy holds every attempt of their email, whichever test it belongs to, so
    # only a user whose roles reach every test may make one.
    may_export: bool = False

    @property
    def live_link(self) -> ResponseLink | None:
        return next((link for link in self.links if link.state() == "live"), None)


def response_of(attempt: Attempt) -> CandidateResponse | None:
    return CandidateResponse.objects.filter(attempt=attempt).first()


def report_panel(attempt: Attempt, user: AbstractBaseUser) -> ReportPanel:
    return ReportPanel(
        response=response_of(attempt),
        links=list(ResponseLink.objects.filter(attempt=attempt)[:5]),
        may_export=may_export_candidates(user),
    )


def may_export_candidates(user: AbstractBaseUser) -> bool:
    """Test admins whose roles reach every test: a candidate's copy crosses tests."""
    return not is_scoped(user) and user.has_perms(EXPORT_PERMISSIONS)


def responded(attempt_ids: list[int]) -> set[int]:
    """Which of these attempts have a candidate's response: one query for a page of rows."""
    return set(
        CandidateResponse.objects.filter(attempt_id__in=attempt_ids).values_list(
            "attempt_id", flat=True
        )
    )


def response_text() -> Subquery:
    """The attempt's response as a column of an attempts query (NULL when there is none)."""
    return Subquery(
        CandidateResponse.objects.filter(attempt=OuterRef("pk")).values("text")[:1],
        output_field=TextField(),
    )
