"""Which results pages a pass reads, in three tiers, and where an incremental read stops.

A steady-state pass should cost API calls in proportion to what changed, not to the size of
the account. The listing's order is learned from the data (newest first or oldest first, from
the start times on the first page); a pass that does not read everything reads from the young
end (page 1 of a newest-first listing; the last page, found from `count`, of an oldest-first
one) and stops at the first page that changed nothing and whose attempts all pass its tier's
test:

1. **incremental** (every scheduled pass by default): every attempt is stored and *complete*,
   at any age: submitted with its evidence processed and stored, or abandoned (still
   unsubmitted SYNC_SETTLE_HOURS after starting). New attempts, submissions and evidence
   becoming ready are all on the young side of the first complete page, so the next pass
   catches them at a cost of a page or two. A re-score of a complete attempt is not.
2. **settle-window sweep**: every attempt is *settled*, the rule of issue 15: complete, and
   submitted more than SYNC_SETTLE_HOURS ago. It reads the whole settle window, so a re-score
   of an attempt younger than SYNC_SETTLE_HOURS is caught; it runs when the last sweep (this
   tier or a full one) started over SYNC_SETTLE_SWEEP_MINUTES ago (0: every pass is one), and
   on `sync_autoproctor --settle-window`.
3. **full sweep**: every page, catching re-scores of old attempts: the first pass, every
   SYNC_FULL_SWEEP_HOURS, on `sync_autoproctor --full`, and always when the listing has no
   paging or no `count` to find its tail by. The next page is fetched while the previous one is
   written.

Either stopping tier also stops, sooner, at an unchanged page once it has seen every attempt
our copy held as failing the tier's test when the pass began (see StopRule).
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

from autoproctor.listing_order import ASCENDING, DESCENDING, UNORDERED, listing_direction
from proctoring.models import Attempt, EvidenceStatus, ListingOrder, ResultsMode, SyncRun

if TYPE_CHECKING:
    from datetime import datetime

    from autoproctor import AutoProctorClient, ResultsPage

# Called with each page read; True when the pass may stop after it.
Visit = Callable[[object], bool]
ENDED = (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL)
# The tiers that read the settle window whole: a full sweep reads it too.
SWEEPS = (ResultsMode.FULL, ResultsMode.SETTLE_WINDOW)


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


def plan_pass(*, full: bool = False, settle_window: bool = False) -> Plan:
    """Which tier, and why (see the module's docstring); a plan that does not read everything
    carries the order learned before."""
    if full:
        return Plan(ResultsMode.FULL, "asked for (--full)")
    finished = SyncRun.objects.filter(kind=SyncRun.Kind.RESULTS, status__in=ENDED)
    last_full = finished.filter(mode=ResultsMode.FULL).order_by("-started_at").first()
    if last_full is None:
        return Plan(ResultsMode.FULL, "no full sweep yet")
    hours = settings.SYNC_FULL_SWEEP_HOURS
    now = timezone.now()
    if last_full.started_at < now - timedelta(hours=hours):
        return Plan(ResultsMode.FULL, f"the last full sweep was over {hours} h ago")
    learned = finished.exclude(listing_order="").order_by("-started_at").first()
    order = learned.listing_order if learned else ""
    if why := reads_everything(order):
        return Plan(ResultsMode.FULL, why)
    if settle_window:
        return Plan(ResultsMode.SETTLE_WINDOW, "asked for (--settle-window)", order)
    minutes = settings.SYNC_SETTLE_SWEEP_MINUTES
    if minutes == 0:
        return Plan(ResultsMode.SETTLE_WINDOW, "SYNC_SETTLE_SWEEP_MINUTES is 0", order)
    last_sweep = finished.filter(mode__in=SWEEPS).order_by("-started_at").first()
    if last_sweep.started_at < now - timedelta(minutes=minutes):
        reason = f"the last settle-window or full sweep was over {minutes} min ago"
        return Plan(ResultsMode.SETTLE_WINDOW, reason, order)
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
    """From the young end to the first page `visit` says the pass may stop after (its
    StopRule). Page 1 is always read: it carries the count (where the tail is) and confirms
    the order."""
    first = api.get_result_page(1)
    order = learn_order(first) or plan.order or ListingOrder.NEWEST_FIRST
    if order == ListingOrder.UNPAGED:
        # Page 1 was everything there is: a full sweep already.
        visit(first)
        return Reading(order=order, fell_back=unpaged_reason())
    size = len(first.attempts) + len(first.problems)  # the page's items, readable or not
    last = max(1, -(-first.total // size)) if size else 1
    if order == ListingOrder.UNORDERED:
        # No young end to read from: read every page, as a full sweep does.
        for number in range(1, last + 1):
            visit(first if number == 1 else api.get_result_page(number))
        return Reading(order=order, fell_back=reads_everything(order))
    stop = visit(first)
    if order == ListingOrder.NEWEST_FIRST:
        number = 2
        while not stop and number <= last:
            stop = visit(api.get_result_page(number))
            number += 1
    else:
        number = last
        while number > 1:
            if visit(api.get_result_page(number)):
                break
            number -= 1
    return Reading(order=order)


ORDER_OF_DIRECTION = {
    DESCENDING: ListingOrder.NEWEST_FIRST,
    ASCENDING: ListingOrder.OLDEST_FIRST,
    UNORDERED: ListingOrder.UNORDERED,
}


def learn_order(page: ResultsPage) -> str:
    """The listing's order by the times on a page (listing_direction): "" when the page cannot
    tell, UNPAGED when the listing has no paging, UNORDERED when it has no time order."""
    if page.total is None:
        return ListingOrder.UNPAGED
    return ORDER_OF_DIRECTION.get(listing_direction(page.attempts), "")


def reads_everything(order: str) -> str:
    """Why a listing in `order` must be read whole on every pass; "" when it need not be."""
    if order == ListingOrder.UNPAGED:
        return unpaged_reason()
    if order == ListingOrder.UNORDERED:
        return (
            "AutoProctor's results listing is in no time order (neither start nor submission "
            "times run one way), so no end of it holds the new attempts: every pass reads all of it"
        )
    return ""


class StopRule:
    """Whether a pass that reads from the young end may stop after a page: the page changed
    nothing, and either every attempt on it passes the tier's test (`done`: `complete` for an
    incremental pass, `settled` for a settle-window sweep), or every attempt our copy held as
    not done when the pass began has been seen by this pass already, so the pages further on
    hold done ones only. The second saves the read of one done page past the others; it keeps
    only the ids still to be seen, which shrink as the pass reads. `now` is the pass's start:
    the one moment every page's attempts are aged against."""

    def __init__(self, client_id: str, done: Callable[[datetime], Q], *, now=None):
        self.client_id = client_id
        self.done = done
        self.now = now or timezone.now()
        self.unseen = set(
            Attempt.objects.filter(client_id=client_id)
            .exclude(done(self.now))
            .values_list("test_attempt_id", flat=True)
        )

    def __call__(self, page: ResultsPage, changed: bool) -> bool:
        self.unseen.difference_update(data.test_attempt_id for data in page.attempts)
        if changed:
            return False
        return not self.unseen or all_done(self.client_id, page, self.done(self.now))


def stop_rule(client_id: str, plan: Plan) -> Callable[[ResultsPage, bool], bool]:
    """The StopRule of the plan's tier; a full sweep never stops early, so it keeps nothing."""
    if plan.mode == ResultsMode.FULL:
        return lambda page, changed: False
    done = settled if plan.mode == ResultsMode.SETTLE_WINDOW else complete
    return StopRule(client_id, done)


def complete(now: datetime) -> Q:
    """Attempts whose life cycle is over as far as AutoProctor tells it: submitted with their
    evidence processed and stored, or still unsubmitted SYNC_SETTLE_HOURS after starting
    (abandoned). Only a re-score changes them now, which the sweeps are for."""
    cutoff = now - timedelta(hours=settings.SYNC_SETTLE_HOURS)
    finished = Q(
        submitted_at__isnull=False,
        evidence_status=EvidenceStatus.PROCESSED,
        evidence_fetched_at__isnull=False,
    )
    abandoned = Q(submitted_at__isnull=True, started_at__lt=cutoff)
    return finished | abandoned


def settled(now: datetime) -> Q:
    """Complete attempts no pass needs to look at again before the next full sweep: those
    submitted more than SYNC_SETTLE_HOURS before `now` (or abandoned). Younger ones may
    still be re-scored, so the settle-window sweeps keep reading them."""
    cutoff = now - timedelta(hours=settings.SYNC_SETTLE_HOURS)
    return complete(now) & (Q(submitted_at__lt=cutoff) | Q(submitted_at__isnull=True))


def all_done(client_id: str, page: ResultsPage, done: Q) -> bool:
    """True when every attempt of the page is stored and passes `done`."""
    ids = {data.test_attempt_id for data in page.attempts}
    if not ids:
        return True
    stored = Attempt.objects.filter(client_id=client_id, test_attempt_id__in=ids)
    return stored.filter(done).count() == len(ids)


def all_settled(client_id: str, page: ResultsPage, *, now: datetime) -> bool:
    """True when every attempt of the page is stored and settled at `now` (see settled)."""
    return all_done(client_id, page, settled(now))


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
