"""How big each benchmark is: the full run (`make bench`) and the CI-sized one (`--quick`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    """How big each benchmark is, and how many times each is repeated."""

    results: tuple[tuple[int, int], ...]  # (attempts, runs): first sync and re-sync
    upsert: tuple[tuple[int, int], ...]
    evidence: tuple[tuple[int, int], ...]
    pages: tuple[int, ...]  # table sizes for the list, the overview and the export
    page_repeats: int
    export_repeats: int
    main_sync_size: int  # the size the main table reports
    main_evidence_size: int
    main_page_size: int
    network_first_sync: int = 10_000  # attempts of the first sync at 100 ms latency
    network_steady: int = 100_000  # attempts of the steady-state call counts
    # attempts purged by apply_retention: a million would take the run past its hour (the purge
    # keeps each transaction short, which costs several times the bare statements)
    retention: tuple[int, ...] = (100_000,)
    # attempts of the one test whose page is measured, grown from each size to the next
    test_page: tuple[int, ...] = (50_000, 200_000)
    tests_index: int = 1_000_000  # attempts over 500 tests of the tests index
    claims: int = 100_000  # attempts in the table whose queue 20 reviewers work at once
    claim_rounds: int = 10  # times each of them presses "next"


FULL = Plan(
    results=((10_000, 3), (100_000, 3), (1_000_000, 1)),
    upsert=((10_000, 3), (100_000, 3), (1_000_000, 1)),
    evidence=((10_000, 1), (100_000, 1)),
    pages=(10_000, 100_000, 1_000_000),
    page_repeats=10,
    export_repeats=3,
    main_sync_size=100_000,
    main_evidence_size=100_000,
    main_page_size=1_000_000,
)
QUICK = Plan(
    results=((1_000, 1), (10_000, 1)),
    upsert=((1_000, 1), (10_000, 1)),
    evidence=((300, 1), (1_000, 1)),
    pages=(1_000, 10_000),
    page_repeats=3,
    export_repeats=1,
    main_sync_size=10_000,
    main_evidence_size=1_000,
    main_page_size=10_000,
    network_first_sync=2_000,
    network_steady=10_000,
    retention=(10_000,),
    test_page=(5_000, 20_000),
    tests_index=10_000,
    claims=10_000,
    claim_rounds=5,
)
