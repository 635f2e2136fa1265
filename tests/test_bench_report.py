"""`make bench` writes its table into benchmarks/README.md as the one current result: the run's
figures, references, targets and whether each was met, with its date and machine, replacing
the previous run's and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.report import CURRENT_END, CURRENT_START, README, Report, Row, write_current

CONDITIONS = [
    "`python -m benchmarks`, 2026-12-07 15:00 UTC, 31 min",
    "Linux-6.1-x86_64, 2 CPUs, Python 3.11.7",
]


def report(figure: str, met: bool) -> Report:
    made = Report()
    made.rows.append(
        Row("CSV export of every row", "1,000,000 attempts", figure, "COPY", "≥ 80 %", met)
    )
    made.rows.append(
        Row("attempts list", "1,000,000 attempts", "p95 47 ms", "SQL", "≤ 100 ms", True)
    )
    return made


def current_block(text: str) -> str:
    return text.split(CURRENT_START)[1].split(CURRENT_END)[0]


def test_a_run_replaces_the_current_results_and_leaves_the_rest_of_the_readme(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(README.read_text())
    outside = README.read_text().replace(current_block(README.read_text()), "")

    write_current(readme, report("41,000 rows/s", met=False), CONDITIONS, quick=False)
    write_current(readme, report("67,013 rows/s", met=True), CONDITIONS, quick=False)

    text = readme.read_text()
    block = current_block(text)
    assert text.count(CURRENT_START) == text.count(CURRENT_END) == 1
    assert text.replace(block, "") == outside
    assert "| what | size | figure | reference in the same run | target | met |" in block
    assert (
        "| CSV export of every row | 1,000,000 attempts | 67,013 rows/s | COPY | ≥ 80 % | yes |"
        in block
    )
    assert "41,000" not in text
    assert "**2 of 2 targets met.**" in block
    assert "- `python -m benchmarks`, 2026-12-07 15:00 UTC, 31 min" in block
    assert "- Linux-6.1-x86_64, 2 CPUs, Python 3.11.7" in block
    assert "quick" not in block


def test_a_quick_run_says_its_sizes_are_not_the_targets_and_counts_a_miss(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Benchmarks\n\n{CURRENT_START}\n{CURRENT_END}\n\n## Method\n")

    write_current(readme, report("41,000 rows/s", met=False), CONDITIONS, quick=True)

    block = current_block(readme.read_text())
    assert "| **no** |" in block
    assert "**1 of 2 targets met.**" in block
    assert "A quick run (`--quick`)" in block
    assert readme.read_text().endswith(f"{CURRENT_END}\n\n## Method\n")


def test_a_readme_without_its_markers_is_left_alone_with_the_fix_named(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\nno table here\n")

    with pytest.raises(SystemExit, match="current results between one"):
        write_current(readme, report("1/s", met=True), CONDITIONS, quick=False)

    assert readme.read_text() == "# Benchmarks\n\nno table here\n"


def test_the_benchmarks_readme_shows_one_current_table_and_keeps_the_history_apart():
    text = README.read_text()

    assert text.count(CURRENT_START) == text.count(CURRENT_END) == 1
    outside = text.replace(current_block(text), "")
    assert "| what | size | figure |" not in outside  # earlier tables live in HISTORY.md
    assert (Path(README).parent / "HISTORY.md").exists()
