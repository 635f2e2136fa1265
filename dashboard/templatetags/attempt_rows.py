"""The attempts list's rows, written in Python: `{% attempt_rows rows can_review %}`,
`{% verdict_badge attempt %}` and its headers' `{% sort_link header %}`.

The template engine resolves each variable and filter of a row one by one (about forty a row):
fifty rows cost more than the page's SQL (benchmarks/HISTORY.md). One tag for the page's rows
makes the same markup, every value escaped as the templates' autoescape does (dashboard.markup),
and reverses the report's URL once for all of them.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from django import template
from django.conf import settings
from django.template.defaultfilters import capfirst, slugify
from django.template.defaulttags import querystring
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from dashboard.markup import escape
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


_e = escape
# A number no attempt has, to cut the report's reversed URL around the attempt's id.
_ID_MARK = 918273645


def _zone() -> tzinfo | None:
    """The time zone the templates show times in, None without USE_TZ."""
    return timezone.get_current_timezone() if settings.USE_TZ else None


def _minute(moment, zone: tzinfo | None) -> str:
    """`moment|date:"Y-m-d H:i"` in `zone` (_zone(), read once for a page of rows); "" when
    unknown."""
    if not moment:
        return ""
    if zone is not None and moment.utcoffset() is not None:
        moment = moment.astimezone(zone)
    return moment.strftime("%Y-%m-%d %H:%M")


@register.simple_tag
def verdict_badge(attempt: Any) -> SafeString:
    """The current verdict of an attempt (review.selectors.with_review) and whether AutoProctor
    changed the attempt since."""
    return mark_safe(_verdict(attempt, _zone()))  # noqa: S308 (every value escaped)


def _verdict(attempt: Any, zone: tzinfo | None) -> str:
    status = getattr(attempt, "review_status", "")
    title = ""
    if getattr(attempt, "reviewed_by", None):
        title = (
            f' title="by {_e(attempt.reviewed_by)}, {_minute(attempt.reviewed_at, zone)}: '
            f'{_e(attempt.review_reason)}"'
        )
    words = VERDICT_WORDS.get(status, "Unreviewed")
    changed = CHANGED if getattr(attempt, "changed_since_review", False) else ""
    return f'<span class="verdict verdict-{_e(status)}"{title}>{words}</span>{changed}'


def _report_url() -> tuple[str, str]:
    """The report's URL before and after the attempt's id, escaped, from one reverse() for a
    whole page (the URL of attempt N is `before` + N + `after`)."""
    before, _, after = reverse("attempt-report", args=[_ID_MARK]).partition(str(_ID_MARK))
    return _e(before), _e(after)


@register.simple_tag
def attempt_rows(attempts: Any, can_review: bool) -> SafeString:
    """The rows of the attempts table: the cells of the columns in attempt_list.html's header."""
    url = _report_url()
    zone = _zone()
    return mark_safe(  # noqa: S308 (every value escaped in _row)
        "\n".join(_row(attempt, can_review, url, zone) for attempt in attempts)
    )


def _row(attempt: Any, can_review: bool, url: tuple[str, str], zone: tzinfo | None) -> str:
    """One row. The id, the times, the duration and the percentage are digits and signs only,
    written unescaped; every other value is escaped."""
    cells = []
    name = attempt.candidate_name
    pk = int(attempt.pk)
    if can_review:
        cells.append(
            f'<td class="select"><input type="checkbox" name="attempts" value="{pk}" '
            f'form="bulk-form" aria-label="Select {_e(name or attempt.test_attempt_id)}" '
            "data-bulk-tick></td>"
        )
    cells.append(
        f'<td class="candidate">\n<a href="{url[0]}{pk}{url[1]}">{_e(name or "(no name)")}</a>\n'
        f'<span class="sub">{_e(attempt.candidate_email or "—")}</span>\n'
        f'<span class="sub muted">{_e(attempt.test_attempt_id)}</span>\n</td>'
    )
    key = attempt.lookup_key
    if key:
        key = _e(key)
        cells.append(f'<td data-column="test"><span class="chip" title="{key}">{key}</span></td>')
    else:
        cells.append('<td data-column="test">—</td>')
    cells.append(
        f'<td class="nowrap" data-column="started">{_minute(attempt.started_at, zone) or "—"}</td>'
    )
    submitted = (
        _minute(attempt.submitted_at, zone)
        if attempt.submitted_at
        else '<span class="muted">in progress</span>'
    )
    cells.append(f'<td class="nowrap" data-column="submitted">{submitted}</td>')
    cells.append(f'<td class="num" data-column="duration">{clock(attempt.duration)}</td>')
    score = attempt.trust_score
    trust = (
        NOT_SCORED
        if score is None
        else f'<span class="trust trust-{trust_band(score, attempt.review_threshold)}">'
        f"{percent(score)}</span>"
    )
    cells.append(f'<td class="num" data-column="trust">\n{trust}\n</td>')
    cells.append(f'<td class="num" data-column="violations">{_e(attempt.violation_count)}</td>')
    status = attempt.evidence_status
    cells.append(
        f'<td data-column="evidence"><span class="status status-{_e(slugify(status))}">'
        f"{_e(capfirst(status) or '—')}</span></td>"
    )
    cells.append(f'<td data-column="review">{_verdict(attempt, zone)}</td>')
    return "<tr>\n" + "\n".join(cells) + "\n</tr>"


@register.simple_tag(takes_context=True)
def sort_link(context: Any, header: dict) -> SafeString:
    """A header's link that sorts the list by its column (the view's `headers`), from the
    first page, with the other parameters kept: the markup an include of a template per
    header made, nine includes a page (a new context and a template's nodes each)."""
    href = _e(querystring(context, o=header["param"], after=None, before=None))
    title = _e(header["column"].title)
    if not header["current"]:
        return mark_safe(f'<a href="{href}">{title}</a>\n')  # noqa: S308 (escaped)
    arrow, words = ("▼", "highest first") if header["descending"] else ("▲", "lowest first")
    return mark_safe(  # noqa: S308 (escaped)
        f'<a href="{href}" aria-current="true">{title} <span aria-hidden="true">{arrow}</span>'
        f'<span class="visually-hidden"> (sorted {words})</span></a>\n'
    )
