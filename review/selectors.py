"""The reads of reviewing: review columns on any attempts query, the needs-review queue and its
order, and everything the report shows about one attempt's review.

Lists read an attempt's current verdict from its ReviewState row (a copy of the latest change)
through subqueries on the attempts query itself, so a page of fifty attempts costs no more
queries than a page of five.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import (
    CharField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce

from proctoring.models import Attempt, EvidenceRecord, EvidenceStatus
from review.models import EvidenceDismissal, EvidenceKey, ReviewNote, ReviewState, Verdict
from review.thresholds import below_threshold, thresholds_for

# Unscored attempts come last in the queue (trust scores are 0..1).
UNSCORED_RANK = 2.0
# The queue's order, riskiest first, unscored last, then by id: ordered on the columns
# themselves (not on queue_rank, the same order as an expression) so that PostgreSQL walks the
# attempts' (trust_score, id) index and stops at the first attempt that needs a review, instead
# of sorting the whole queue for every "next" (benchmarks/claims.py).
QUEUE_ORDER = (F("trust_score").asc(nulls_last=True), F("pk").asc())
QUEUE_ORDER_REVERSED = (F("trust_score").desc(nulls_first=True), F("pk").desc())


def _state():
    """The ReviewState of the outer query's attempt (at most one row)."""
    return ReviewState.objects.filter(attempt=OuterRef("pk"))


def has_verdict(verdict: str | None = None, reviewer_name: str | None = None) -> Exists:
    """Attempts with a current verdict (that verdict, by that reviewer, when given)."""
    state = _state()
    if verdict is not None:
        state = state.filter(verdict=verdict)
    if reviewer_name is not None:
        state = state.filter(reviewer_name=reviewer_name)
    return Exists(state)


def changed_since_review() -> Exists:
    """Attempts whose latest verdict was given on other figures than AutoProctor's current ones
    (re-scored, or evidence re-counted, since). Unreviewed attempts never match."""
    current = _state().annotate(
        current_score=ExpressionWrapper(OuterRef("trust_score"), output_field=FloatField()),
        current_count=ExpressionWrapper(OuterRef("violation_count"), output_field=IntegerField()),
    )
    return Exists(
        current.filter(
            Q(seen_trust_score__lt=F("current_score"))
            | Q(seen_trust_score__gt=F("current_score"))
            | Q(seen_violation_count__lt=F("current_count"))
            | Q(seen_violation_count__gt=F("current_count"))
            | Q(seen_trust_score__isnull=True, current_score__isnull=False)
            | Q(seen_trust_score__isnull=False, current_score__isnull=True)
        )
    )


def _state_value(name, output_field):
    return Subquery(_state().values(name)[:1], output_field=output_field)


def with_review(attempts: QuerySet[Attempt]) -> QuerySet[Attempt]:
    """`attempts` with the current review on each row: review_status (a Verdict value),
    reviewed_by (the reviewer's username), reviewed_at, review_reason and changed_since_review.

    Each is a subquery on ReviewState's primary key rather than a join, so the attempts query
    keeps the plan its sort indexes give it (dashboard.pagination)."""
    return attempts.annotate(
        review_status=Coalesce(
            _state_value("verdict", CharField()), Value(Verdict.UNREVIEWED.value)
        ),
        reviewed_by=_state_value("reviewer_name", CharField()),
        reviewed_at=_state_value("reviewed_at", DateTimeField()),
        review_reason=_state_value("reason", TextField()),
        changed_since_review=changed_since_review(),
    )


def needs_review() -> Q:
    """What puts a submitted, processed attempt in the queue: unreviewed and below its test's
    review threshold (review.thresholds), marked Suspicious, or re-scored below that threshold
    since its verdict."""
    below = below_threshold()
    return (
        (~has_verdict() & below)
        | Q(has_verdict(Verdict.SUSPICIOUS))
        | (Q(changed_since_review()) & below)
    )


def needs_review_joined(custom: dict[str, float] | None = None) -> Q:
    """needs_review() through the attempt's `review` relation (one LEFT JOIN) instead of
    subqueries: for counting over a whole test, where a subquery per attempt and condition
    cost half a second at 50,000 attempts (benchmarks/README.md). `custom` as for
    below_threshold."""
    below = below_threshold(custom)
    reviewed = Q(review__isnull=False)
    score, seen_score = F("trust_score"), "review__seen_trust_score"
    count, seen_count = F("violation_count"), "review__seen_violation_count"
    changed = reviewed & (
        Q(**{f"{seen_score}__lt": score})
        | Q(**{f"{seen_score}__gt": score})
        | Q(**{f"{seen_count}__lt": count})
        | Q(**{f"{seen_count}__gt": count})
        | Q(**{f"{seen_score}__isnull": True}, trust_score__isnull=False)
        | Q(**{f"{seen_score}__isnull": False}, trust_score__isnull=True)
    )
    return (~reviewed & below) | Q(review__verdict=Verdict.SUSPICIOUS) | (changed & below)


def review_queue(attempts: QuerySet[Attempt]) -> QuerySet[Attempt]:
    """The attempts (a queryset, e.g. selectors.attempt_list()) that need a review, with their
    review columns; sort riskiest first with dashboard.sorting's "trust" order."""
    return with_review(attempts).filter(
        needs_review(), submitted_at__isnull=False, evidence_status=EvidenceStatus.PROCESSED
    )


def _ranked(queue: QuerySet[Attempt]) -> QuerySet[Attempt]:
    return queue.annotate(queue_rank=Coalesce(F("trust_score"), Value(UNSCORED_RANK)))


def _place(attempt: Attempt) -> tuple[Q, Q]:
    """(after, before): where `attempt` sits in the queue's order."""
    own = UNSCORED_RANK if attempt.trust_score is None else attempt.trust_score
    after = Q(queue_rank__gt=own) | Q(queue_rank=own, pk__gt=attempt.pk)
    before = Q(queue_rank__lt=own) | Q(queue_rank=own, pk__lt=attempt.pk)
    return after, before


def queue_in_order(queue: QuerySet[Attempt], after: Attempt | None = None) -> QuerySet[Attempt]:
    """`queue` riskiest first (unscored last, then by id), from the attempt after `after`."""
    ranked = _ranked(queue)
    if after is not None:
        ranked = ranked.filter(_place(after)[0])
    return ranked.order_by(*QUEUE_ORDER)


def queue_neighbours(
    queue: QuerySet[Attempt], attempt: Attempt
) -> tuple[Attempt | None, Attempt | None]:
    """(previous, next) of `attempt` in `queue`, riskiest first (unscored last, then by id),
    each None at an end. `attempt` itself need not be in the queue any more: a verdict just
    given takes it out, and the next one is still the one after its place."""
    ranked = _ranked(queue)
    after, before = _place(attempt)
    following = ranked.filter(after).order_by(*QUEUE_ORDER).first()
    previous = ranked.filter(before).order_by(*QUEUE_ORDER_REVERSED).first()
    return previous, following


@dataclass
class RecordReview:
    """One evidence record of the report, with its notes and dismissal."""

    record: object
    notes: list = field(default_factory=list)
    dismissal: object = None


@dataclass
class AttemptReview:
    state: ReviewState | None
    history: list
    notes: list  # about the attempt as a whole
    records: list  # RecordReview, in timeline order
    # Notes and dismissals whose record is no longer in the evidence AutoProctor sends.
    detached_notes: list
    detached_dismissals: list

    @property
    def verdict(self) -> str:
        return self.state.verdict if self.state else Verdict.UNREVIEWED

    @property
    def verdict_label(self) -> str:
        return Verdict(self.verdict).label

    @property
    def violations(self) -> int:
        return sum(1 for item in self.records if item.record.is_violation)

    @property
    def violations_after_dismissals(self) -> int:
        return sum(
            1 for item in self.records if item.record.is_violation and item.dismissal is None
        )

    @property
    def changed_since_review(self) -> bool:
        if self.state is None:
            return False
        attempt = self.state.attempt
        return (
            attempt.trust_score != self.state.seen_trust_score
            or attempt.violation_count != self.state.seen_violation_count
        )


def attempt_review(attempt: Attempt, records: list[EvidenceRecord]) -> AttemptReview:
    """The review of `attempt` whose evidence `records` (the timeline) are shown: four queries,
    whatever the number of records, notes or changes."""
    state = ReviewState.objects.filter(attempt=attempt).first()
    if state is not None:
        state.attempt = attempt
    history = list(attempt.verdict_changes.order_by("at", "id"))
    notes = list(ReviewNote.objects.filter(attempt=attempt).order_by("at", "id"))
    dismissals = {
        dismissal.identity: dismissal
        for dismissal in EvidenceDismissal.objects.filter(attempt=attempt).order_by("at", "id")
    }
    reviews = [RecordReview(record) for record in records]
    by_identity = {}
    for item in reviews:
        identity = EvidenceKey.identity_of(item.record)
        by_identity.setdefault(identity, []).append(item)
        item.dismissal = dismissals.get(identity)
    attempt_notes, detached_notes = [], []
    for note in notes:
        if not note.is_about_evidence:
            attempt_notes.append(note)
        elif note.identity in by_identity:
            for item in by_identity[note.identity]:
                item.notes.append(note)
        else:
            detached_notes.append(note)
    detached_dismissals = [
        dismissal for identity, dismissal in dismissals.items() if identity not in by_identity
    ]
    return AttemptReview(
        state=state,
        history=history,
        notes=attempt_notes,
        records=reviews,
        detached_notes=detached_notes,
        detached_dismissals=detached_dismissals,
    )


def with_thresholds(attempts: list[Attempt]) -> list[Attempt]:
    """Set `review_threshold` (its test's, review.thresholds) on each of `attempts`, a page of a
    list, for the trust colours: one query for the whole page."""
    thresholds = thresholds_for(attempt.lookup_key for attempt in attempts)
    for attempt in attempts:
        attempt.review_threshold = thresholds[attempt.lookup_key]
    return attempts
