"""`make mutants`, last step: the score of each mutated module, and every mutant still alive.

mutmut keeps one result per mutant in mutants/<module path>.meta; its own `results` command
lists survivors without a per-module score, which is what docs/testing.md records. A mutant
that timed out counts as killed (the tests noticed: they hung); one that no test ran counts
against the score like a survivor. Exits 1 when a module is under the target, so the target
is checked, not just printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

KILLED = {"killed", "timeout", "caught by type check"}
ALIVE = {"survived", "no tests", "suspicious", "segfault"}


def module_results(meta: Path) -> dict[str, str]:
    """{mutant name: status} of one module's .meta file."""
    exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
    return {name: status_by_exit_code[code] for name, code in exit_codes.items()}


def score(statuses: Counter) -> float | None:
    checked = sum(count for status, count in statuses.items() if status in KILLED | ALIVE)
    killed = sum(count for status, count in statuses.items() if status in KILLED)
    return 100.0 * killed / checked if checked else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("mutants"))
    parser.add_argument("--target", type=float, default=90.0, help="lowest score, in percent")
    args = parser.parse_args(argv)

    metas = sorted(args.dir.rglob("*.py.meta"))
    if not metas:
        print(f"No mutation results under {args.dir}/: run `make mutants` first.")
        return 1
    below, alive = [], []
    print(f"{'module':45} {'mutants':>7} {'killed':>7} {'alive':>6} {'score':>7}")
    totals: Counter = Counter()
    for meta in metas:
        results = module_results(meta)
        if not results:
            continue
        statuses = Counter(results.values())
        totals += statuses
        module = str(meta.relative_to(args.dir)).removesuffix(".meta")
        killed = sum(statuses[status] for status in KILLED)
        living = sum(statuses[status] for status in ALIVE)
        value = score(statuses)
        shown = "-" if value is None else f"{value:.1f} %"
        print(f"{module:45} {len(results):>7} {killed:>7} {living:>6} {shown:>7}")
        if value is not None and value < args.target:
            below.append(module)
        alive += [f"{name}: {status}" for name, status in results.items() if status in ALIVE]
    total = score(totals)
    print(f"{'all':45} {sum(totals.values()):>7} {'':>7} {'':>6} {total or 0:>6.1f} %")
    if alive:
        print("\nStill alive (each explained in docs/testing.md):")
        print("\n".join(f"  {line}" for line in alive))
    if below:
        print(f"\nUnder the {args.target:g} % target: {', '.join(below)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
