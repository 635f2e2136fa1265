"""What the doctor says about the first results page: its paging and order, each mapped field's
presence, the items that cannot be stored (with counts, so a page the sync would store only in
part is not described by the part that parsed), and the forms its values came in."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from .doctor_report import DoctorReport
from .listing_order import ASCENDING, DESCENDING, UNORDERED, listing_direction
from .scales import PERCENT
from .wire import ATTEMPT_FIELDS, all_attempt_names, names_for

if TYPE_CHECKING:
    from .stream import Listing
    from .values import ResultsPage

ORDER_WORDS = {
    DESCENDING: "newest first",
    ASCENDING: "oldest first",
    UNORDERED: "in no time order (every pass reads the whole listing)",
}


def describe_listing(report: DoctorReport, listing: Listing, page: ResultsPage, complete: bool):
    attempts = page.attempts
    paged = listing.next_url is not None or "next" in listing.top_keys
    direction = listing_direction(attempts)
    report.learned["paged"] = paged if (paged or complete) else None
    report.learned["listing_order"] = direction
    report.paging = {
        "paged": "yes" if paged else ("no" if complete else "no `next` before the items"),
        "page size": len(attempts) if paged else "-",
        "count": listing.total if listing.total is not None else "not given",
        "order by time": ORDER_WORDS.get(direction, "unknown"),
    }
    known = all_attempt_names()
    unexpected = Counter(key for a in attempts for key in a.raw if key not in known)
    report.unexpected_fields = sorted(unexpected)
    for name in ATTEMPT_FIELDS:
        report.fields[name] = field_state(name, attempts)
    listed = not report.fields["evidence_status"].startswith("missing")
    report.forms["evidence_status in the listing"] = "yes" if listed else "no"
    report.learned["listing_has_evidence_status"] = listed
    describe_problems(report, page)
    describe_value_forms(report, page)


def field_state(name: str, attempts: list) -> str:
    found = [next((n for n in names_for(name) if n in a.raw), None) for a in attempts]
    under = Counter(found)
    missing = under.pop(None, 0)
    if not attempts or missing == len(attempts):
        state = "missing"
        if name == "evidence_status":
            state += " (the evidence pass asks the one-attempt call instead)"
        return state
    alias = ", ".join(f"as `{n}`" for n in under if n != name)
    nulls = sum(1 for a, n in zip(attempts, found, strict=True) if n and a.raw[n] is None)
    state = "present" + (f" {alias}" if alias else "")
    if nulls == len(attempts) - missing:
        state += ", null everywhere"
    elif missing:
        state += f", missing in {missing}"
    return state


def describe_problems(report: DoctorReport, page: ResultsPage) -> None:
    """The page's items that cannot be stored, counted per field, each with one example."""
    read = len(page.attempts) + len(page.problems)
    by_field = Counter(problem.field for problem in page.problems)
    for name, count in by_field.most_common():
        example = next(problem for problem in page.problems if problem.field == name)
        report.problems.append(f"{name}: {count} of {read} attempts (e.g. {example})")


def describe_value_forms(report: DoctorReport, page: ResultsPage) -> None:
    """One "learned" line per field whose values came in another form than the contract's."""
    forms = Counter(form for attempt in page.attempts for form in attempt.forms)
    for (name, form), count in forms.items():
        report.learn_line(f"`{name}` arrives in {form} ({count} of {len(page.attempts)})")
    if page.score_scale == PERCENT:
        report.learned["trust_score_scale"] = PERCENT
