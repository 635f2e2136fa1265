"""Which results pages a pass reads: all of them (a full sweep), or only the young end.

A steady-state pass should cost API calls in proportion to what changed, not to the size of
the account. The listing's order is learned from the data (newest first or oldest first, from
the start times on the first page); an incremental pass reads from the young end (page 1 of a
newest-first listing; the last page, found from `count`, of an oldest-first one) and stops at
the first page whose attempts are all *settled*: already stored, unchanged by this page, and
either finished more than SYNC_SETTLE_HOURS ago (submitted that long ago, evidence processed
and stored) or abandoned (still unsubmitted SYNC_SETTLE_HOURS after starting); or, sooner, at
an unchanged page once it has seen every attempt our copy holds as unsettled (see StopRule).
An attempt stays unsettled for SYNC_SETTLE_HOURS after its submission, so a re-score within
that window is caught by the next incremental pass; an older one waits for the full sweep.

A full sweep reads every page, catching re-scores of old attempts: the first pass, every
SYNC_FULL_SWEEP_HOURS, on `sync_autoproctor --full`, and always when the listing has no paging
or no `count` to find its tail by. During a full sweep the next page is fetched while the
previous one is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from proctoring.models import Attempt, EvidenceStatus, ListingOrder, ResultsMode, SyncRun

if TYPE_CHECKING:
    from datetime import datetime

    from proctoring.autoproctor import AutoProctorClient, ResultsPage

# Called with each page read; True when the page's attempts were all settled.
Visit = Callable[[object], bool]
ENDED = (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL)


@dataclass
class Plan:
    mode: str
    reason: str
    order: str = ""


@dataclass
class Reading:
    """What a pass learned about the listing, to be recorded on its run."""

    order: str = ""
    fell_back: str = ""  # why an incremental pass had to read everything instead


def plan_pass(*, full: bool = False) -> Plan:
    """Full or incremental, and why; an incremental plan carries the order learned before."""
    if full:
        return Plan(ResultsMode.FULL, "asked for (--full)")
    finished = SyncRun.objects.filter(kind=SyncRun.Kind.RESULTS, status__in=ENDED)
    last_full = finished.filter(mode=ResultsMode.FULL).order_by("-started_at").first()
    if last_full is None:
        return Plan(ResultsMode.FULL, "no full sweep yet")
    hours = settings.SYNC_FULL_SWEEP_HOURS
    if last_full.started_at < timezone.now() - timedelta(hours=hours):
        return Plan(ResultsMode.FULL, f"the last full sweep was over {hours} h ago")
    learned = finished.exclude(listing_order="").order_by("-started_at").first()
    order = learned.listing_order if learned else ""
    if order == ListingOrder.UNPAGED:
        return Plan(ResultsMode.FULL, unpaged_reason())
    return Plan(ResultsMode.INCREMENTAL, "", order)


def unpaged_reason() -> str:
    return (
        "AutoProctor's results listing has no paging (or no count), so every pass reads all of it"
    )


def read_full(api: AutoProctorClient, visit: Visit) -> Reading:
    """Every page, each fetched while the previous one is written."""
    reading = Reading()
    for page in prefetched(api.iter_result_pages()):
        if page.number == 1:
            reading.order = learn_order(page)
        visit(page)
    return reading


def read_incremental(api: AutoProctorClient, plan: Plan, visit: Visit) -> Reading:
    """From the young end to the first settled page. Page 1 is always read: it carries the
    count (where the tail is) and confirms the order."""
    first = api.get_result_page(1)
    order = learn_order(first) or plan.order or ListingOrder.NEWEST_FIRST
    if order == ListingOrder.UNPAGED:
        # Page 1 was everything there is: a full sweep already.
        visit(first)
        return Reading(order=order, fell_back=unpaged_reason())
    size = len(first.attempts) + len(first.problems)  # the page's items, readable or not
    last = max(1, -(-first.total // size)) if size else 1
    settled = visit(first)
    if order == ListingOrder.NEWEST_FIRST:
        number = 2
        while not settled and number <= last:
            settled = visit(api.get_result_page(number))
            number += 1
    else:
        number = last
        while number > 1:
            if visit(api.get_result_page(number)):
                break
            number -= 1
    return Reading(order=order)


def learn_order(page: ResultsPage) -> str:
    """The listing's order by the start times on a page: "" when the page cannot tell."""
    if page.total is None:
        return ListingOrder.UNPAGED
    starts = [data.started_at for data in page.attempts if data.started_at is not None]
    pairs = list(zip(starts, starts[1:], strict=False))
    falling = sum(earlier > later for earlier, later in pairs)
    rising = sum(earlier < later for earlier, later in pairs)
    if falling > rising:
        return ListingOrder.NEWEST_FIRST
    if rising > falling:
        return ListingOrder.OLDEST_FIRST
    return ""


class StopRule:
    """Whether an incremental pass may stop after a page: the page changed nothing, and either
    all its attempts are settled, or every attempt still unsettled in our copy (as the pass
    began) has been seen by this pass already, so the pages further on hold settled ones only.
    The second saves the read of one settled page past the unsettled ones. `now` is the pass's
    start: the one moment every page's attempts are aged against."""

    def __init__(self, client_id: str, seen: set[str], *, now: datetime | None = None):
        self.client_id = client_id
        self.seen = seen
        self.now = now or timezone.now()
        self.unsettled = set(
            Attempt.objects.filter(client_id=client_id)
            .exclude(settled(self.now))
            .values_list("test_attempt_id", flat=True)
        )

    def __call__(self, page, changed: bool) -> bool:
        if changed:
            return False
        return self.unsettled <= self.seen or all_settled(self.client_id, page, now=self.now)


def settled(now: datetime) -> Q:
    """Attempts no pass needs to look at again before the next full sweep: submitted more
    than SYNC_SETTLE_HOURS before `now` with their evidence processed and stored, or still
    unsubmitted that long after starting (abandoned). Younger attempts may still be
    re-scored, so the incremental passes keep reading them."""
    cutoff = now - timedelta(hours=settings.SYNC_SETTLE_HOURS)
    finished = Q(
        submitted_at__lt=cutoff,
        evidence_status=EvidenceStatus.PROCESSED,
        evidence_fetched_at__isnull=False,
    )
    abandoned = Q(submitted_at__isnull=True, started_at__lt=cutoff)
    return finished | abandoned


def all_settled(client_id: str, page: ResultsPage, *, now: datetime) -> bool:
    """True when every attempt of the page is stored and settled at `now` (see settled)."""
    ids = {data.test_attempt_id for data in page.attempts}
    if not ids:
        return True
    stored = Attempt.objects.filter(client_id=client_id, test_attempt_id__in=ids)
    return stored.filter(settled(now)).count() == len(ids)


def prefetched(pages: Iterator) -> Iterator:
    """The same pages, the next one fetched in a thread while the caller handles this one."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="results-prefetch") as pool:
        upcoming = pool.submit(next, pages, None)
        while True:
            page = upcoming.result()
            if page is None:
                return
            upcoming = pool.submit(next, pages, None)
            yield page
