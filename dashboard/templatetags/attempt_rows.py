"""The attempts list's rows, written in Python: `{% attempt_row attempt can_review %}` and
`{% verdict_badge attempt %}`.

The template engine resolves each variable and filter of a row one by one (about forty a row):
fifty rows cost more than the page's SQL (benchmarks/HISTORY.md). One tag per row makes the same
markup, every value escaped as the templates' autoescape does.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import capfirst, slugify
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from dashboard.templatetags.dashboard_format import clock, percent, trust_band

register = template.Library()

VERDICT_WORDS = {
    "cleared": "Cleared",
    "suspicious": "Suspicious",
    "violation": "Violation confirmed",
}
CHANGED = (
    ' <span class="badge badge-changed" title="AutoProctor\'s trust score or violation count '
    'changed after this verdict">changed since review</span>'
)
NOT_SCORED = (
    '<span class="trust trust-none" title="not scored yet">—'
    '<span class="visually-hidden"> not scored yet</span></span>'
)


def _e(value: Any) -> str:
    return conditional_escape(value)


def _minute(moment) -> str:
    """`moment|date:"Y-m-d H:i"` in the current time zone; "" when unknown."""
    return template_localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


@register.simple_tag
def verdict_badge(attempt: Any) -> SafeString:
    """The current verdict of an attempt (review.selectors.with_review) and whether AutoProctor
    changed the attempt since."""
    status = getattr(attempt, "review_status", "")
    title = ""
    if getattr(attempt, "reviewed_by", None):
        title = (
            f' title="by {_e(attempt.reviewed_by)}, {_e(_minute(attempt.reviewed_at))}: '
            f'{_e(attempt.review_reason)}"'
        )
    words = VERDICT_WORDS.get(status, "Unreviewed")
    changed = CHANGED if getattr(attempt, "changed_since_review", False) else ""
    return mark_safe(  # noqa: S308 (every value escaped)
        f'<span class="verdict verdict-{_e(status)}"{title}>{words}</span>{changed}'
    )


@register.simple_tag
def attempt_row(attempt: Any, can_review: bool) -> SafeString:
    """One row of the attempts table: the cells of the columns in attempt_list.html's header."""
    cells = []
    name = attempt.candidate_name
    if can_review:
        cells.append(
            f'<td class="select"><input type="checkbox" name="attempts" value="{attempt.pk}" '
            f'form="bulk-form" aria-label="Select {_e(name or attempt.test_attempt_id)}" '
            "data-bulk-tick></td>"
        )
    url = reverse("attempt-report", args=[attempt.pk])
    cells.append(
        f'<td class="candidate">\n<a href="{_e(url)}">{_e(name or "(no name)")}</a>\n'
        f'<span class="sub">{_e(attempt.candidate_email or "—")}</span>\n'
        f'<span class="sub muted">{_e(attempt.test_attempt_id)}</span>\n</td>'
    )
    key = attempt.lookup_key
    test = f'<span class="chip" title="{_e(key)}">{_e(key)}</span>' if key else "—"
    cells.append(f'<td data-column="test">{test}</td>')
    cells.append(
        f'<td class="nowrap" data-column="started">{_e(_minute(attempt.started_at) or "—")}</td>'
    )
    submitted = (
        _e(_minute(attempt.submitted_at))
        if attempt.submitted_at
        else '<span class="muted">in progress</span>'
    )
    cells.append(f'<td class="nowrap" data-column="submitted">{submitted}</td>')
    cells.append(f'<td class="num" data-column="duration">{_e(clock(attempt.duration))}</td>')
    score = attempt.trust_score
    trust = (
        NOT_SCORED
        if score is None
        else f'<span class="trust trust-{trust_band(score, attempt.review_threshold)}">'
        f"{_e(percent(score))}</span>"
    )
    cells.append(f'<td class="num" data-column="trust">\n{trust}\n</td>')
    cells.append(f'<td class="num" data-column="violations">{_e(attempt.violation_count)}</td>')
    status = attempt.evidence_status
    cells.append(
        f'<td data-column="evidence"><span class="status status-{_e(slugify(status))}">'
        f"{_e(capfirst(status) or '—')}</span></td>"
    )
    cells.append(f'<td data-column="review">{verdict_badge(attempt)}</td>')
    return mark_safe("<tr>\n" + "\n".join(cells) + "\n</tr>")  # noqa: S308 (escaped above)
