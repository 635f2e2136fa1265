"""The printed result: the table of the issue, the cost curve, the list's plans, the conditions.

Everything is Markdown, so a run's output pastes into benchmarks/README.md as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
        lines = ["## Results", ""]
        lines += table(
            ["what", "size", "figure", "reference in the same run", "target", "met"],
            [
                [row.what, row.size, row.figure, row.reference, row.target, _met(row.met)]
                for row in self.rows
            ],
        )
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
