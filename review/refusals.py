"""Why a review write was refused. Each message names the problem and what to do, and the
views show it as it is; the exceptions carry what a page needs to show the conflict."""

from __future__ import annotations


class ReviewRefused(Exception):
    """The verdict was not stored; the message says why and what to do."""


class NotYours(ReviewRefused):
    """The attempt's latest verdict is another reviewer's, and only test admins overturn one.
    `bulk` words the message for the list's form (several attempts) rather than the report."""

    def __init__(self, attempts, *, bulk=False):
        self.attempts = attempts
        if not bulk and len(attempts) == 1:
            attempt, state = attempts[0]
            self.state = state
            super().__init__(
                f"{state.reviewer_name} gave this attempt a verdict first: "
                f"{state.get_verdict_display()}, {state.reviewed_at:%Y-%m-%d %H:%M}. Only a "
                "test admin can change a verdict another reviewer gave, so yours was not saved. "
                "Your choice and reason are kept below: add them as a note, or ask a test admin."
            )
            return
        listed = "; ".join(
            f"{attempt.test_attempt_id} ({attempt.candidate_name or 'no name'}): "
            f"{state.get_verdict_display()} by {state.reviewer_name}"
            for attempt, state in attempts
        )
        super().__init__(
            "Only a test admin can change a verdict another reviewer gave, so nothing was "
            f"changed. Given by someone else: {listed}. Leave these out, or ask a test admin."
        )


class NotYourDismissal(ReviewRefused):
    """The evidence was dismissed by another reviewer, and only test admins overturn that."""

    def __init__(self, dismissal):
        super().__init__(
            f"Only a test admin can count again evidence another reviewer dismissed "
            f"({dismissal.dismissed_by_name}: {dismissal.reason}), so it still does not count. "
            "Ask a test admin, or add a note."
        )


class ChangedWhileReviewing(ReviewRefused):
    """AutoProctor re-scored the attempt after the page was shown: the reviewer judged old data."""

    def __init__(self, attempt):
        self.attempt = attempt
        super().__init__(
            "AutoProctor re-scored this attempt while you were reviewing it (trust score "
            f"{_percent(attempt.trust_score)}, {attempt.violation_count} violations now). "
            "Nothing was saved: look at the current figures and give the verdict again."
        )


def _percent(fraction):
    return "none" if fraction is None else f"{fraction * 100:.1f} %"
