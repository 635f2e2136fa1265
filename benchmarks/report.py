"""The printed result: the table of the issue, the cost curve, the list's plans, the conditions.

Everything is Markdown. The table, with the run's date, machine and conditions, also replaces
the current results of benchmarks/README.md (`write_current`), so the README shows the latest
run and only it; earlier rounds are in benchmarks/HISTORY.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

README = Path(__file__).with_name("README.md")
CURRENT_START = "<!-- current results, written by make bench (benchmarks/report.py) -->"
CURRENT_END = "<!-- end of the current results -->"


@dataclass
class Row:
    what: str
    size: str
    figure: str
    reference: str
    target: str
    met: bool | None  # None: not measured in this run


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    curve: dict[str, dict[int, str]] = field(default_factory=dict)  # figure -> size -> text
    sections: list[tuple[str, str]] = field(default_factory=list)  # (title, Markdown body)

    def add_point(self, figure: str, size: int, text: str) -> None:
        self.curve.setdefault(figure, {})[size] = text

    def markdown(self, conditions: list[str]) -> str:
        lines = ["## Results", "", *self.results_table()]
        if self.curve:
            sizes = sorted({size for points in self.curve.values() for size in points})
            lines += ["", "## Cost curve", ""]
            lines += table(
                ["figure", *[count(size) for size in sizes]],
                [
                    [figure, *[points.get(size, "—") for size in sizes]]
                    for figure, points in self.curve.items()
                ],
            )
        for title, body in self.sections:
            lines += ["", f"## {title}", "", body]
        lines += ["", "## Conditions", ""] + [f"- {line}" for line in conditions]
        return "\n".join(lines) + "\n"

    def results_table(self) -> list[str]:
        return table(
            ["what", "size", "figure", "reference in the same run", "target", "met"],
            [
                [row.what, row.size, row.figure, row.reference, row.target, _met(row.met)]
                for row in self.rows
            ],
        )

    def current(self, conditions: list[str], *, quick: bool) -> str:
        """The README's current results: the table, how many targets it met, the conditions."""
        measured = [row.met for row in self.rows if row.met is not None]
        lines = [CURRENT_START, "", *self.results_table(), ""]
        lines.append(f"**{sum(measured)} of {len(measured)} targets met.**")
        if quick:
            lines.append(
                "A quick run (`--quick`): CI sizes, smaller than those the targets are set for; "
                "a full `make bench` replaces it."
            )
        lines += ["", *[f"- {line}" for line in conditions], "", CURRENT_END]
        return "\n".join(lines)


def write_current(readme: Path, report: Report, conditions: list[str], *, quick: bool) -> None:
    """Replace the current results in `readme` (between CURRENT_START and CURRENT_END) with
    this run's; the rest of the file stays as it is."""
    text = readme.read_text()
    if text.count(CURRENT_START) != 1 or text.count(CURRENT_END) != 1:
        raise SystemExit(
            f"{readme} should hold the current results between one {CURRENT_START!r} line and "
            f"one {CURRENT_END!r} line; put them back where the table goes and run again."
        )
    before, rest = text.split(CURRENT_START)
    after = rest.split(CURRENT_END)[1]
    readme.write_text(before + report.current(conditions, quick=quick) + after)


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def count(number: int) -> str:
    return f"{number:,}"


def rate(value: float, unit: str = "/s") -> str:
    return f"{value:,.0f}{unit}"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def percent(part: float, whole: float) -> str:
    return f"{part / whole:.0%}"


def _met(met: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "—"}[met]
