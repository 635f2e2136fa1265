"""The documentation stays a reference one can trust: every setting the code reads is in
docs/configuration.md exactly once, no table lists the same thing twice, and the README stays a
front door (the two commands, under 200 lines) with the reference in docs/."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from tests.support_settings import secret_parsers, settings_variable_reads

ROOT = Path(__file__).resolve().parent.parent
CONFIGURATION = ROOT / "docs" / "configuration.md"
# A survivors table of docs/testing.md lists several mutants of one module: its rows are
# named by the module and the mutant together.
KEY_COLUMNS = {("module", "mutant(s)"): 2}


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def cells(line: str) -> list[str]:
    """A table row's cells; a `|` inside backticks or escaped as `\\|` belongs to its cell."""
    found, cell, in_code, escaped = [], "", False, False
    for char in line.strip().removeprefix("|").removesuffix("|"):
        if escaped:
            cell, escaped = cell + char, False
        elif char == "\\":
            cell, escaped = cell + char, True
        elif char == "`":
            cell, in_code = cell + char, not in_code
        elif char == "|" and not in_code:
            found.append(cell.strip())
            cell = ""
        else:
            cell += char
    return [*found, cell.strip()]


def tables(path: Path) -> list[tuple[int, list[str], list[tuple[int, list[str]]]]]:
    """(line of the header, header cells, [(line, cells) of each row]) for every table of
    a Markdown file, outside code blocks. Lines are numbered from 1."""
    lines = path.read_text().splitlines()
    found, in_fence, number = [], False, 0
    while number < len(lines):
        line = lines[number]
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        is_table = (
            not in_fence
            and line.lstrip().startswith("|")
            and number + 1 < len(lines)
            and re.fullmatch(r"\s*\|?[\s:|-]+\|?\s*", lines[number + 1])
            and "-" in lines[number + 1]
        )
        if not is_table:
            number += 1
            continue
        header, rows, number = cells(line), [], number + 2
        while number < len(lines) and lines[number].lstrip().startswith("|"):
            rows.append((number + 1, cells(lines[number])))
            number += 1
        found.append((number - len(rows) - 1, header, rows))
    return found


def documented_variables() -> dict[str, list[int]]:
    """Each variable named in the first cell of docs/configuration.md's tables, with the lines
    of the rows naming it (`NAME` (or `NAME_FILE`) is one row for both)."""
    lines = defaultdict(list)
    for _start, _header, rows in tables(CONFIGURATION):
        for line, row in rows:
            for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row[0]):
                lines[name].append(line)
    return lines


def test_every_setting_the_code_reads_is_in_the_configuration_reference_once():
    reads = settings_variable_reads()
    read_names = {name for name, _line in reads}
    documented = documented_variables()
    secrets = " or ".join(sorted(secret_parsers()))
    problems = []

    for name, where in reads:
        if name in documented or (name.endswith("_FILE") and name[: -len("_FILE")] in read_names):
            continue
        problems.append(
            f"{name} (read by {where}) is not in docs/configuration.md. "
            f"Add a row to its table, beside the settings of the same concern:\n"
            f"    | `{name}` | <default, as the code has it> | <what it changes, when to set it> |"
        )
    for name, where in reads:
        base = name.removesuffix("_FILE")
        if name.endswith("_FILE") and base in documented and name not in documented:
            problems.append(
                f"{name} ({where} reads {base} with {secrets}, so also "
                f"from a file) is not in docs/configuration.md. Name it in {base}'s row (line "
                f"{documented[base][0]}): | `{base}` (or `{name}`) | ... |"
            )
    for name, rows in sorted(documented.items()):
        if len(rows) > 1:
            problems.append(
                f"{name} is listed {len(rows)} times in docs/configuration.md (lines "
                f"{', '.join(map(str, rows))}). Keep one row and merge what the others say."
            )
        if name not in read_names:
            problems.append(
                f"docs/configuration.md (line {rows[0]}) lists {name}, which config/settings.py "
                f"does not read. Remove the row, or read the variable in config/settings.py "
                f"through a parser of config/env.py (env_str, env_int, ...)."
            )

    assert not problems, "\n".join(problems)


def test_no_markdown_table_lists_the_same_row_twice():
    problems = []
    for path in markdown_files():
        for start, header, rows in tables(path):
            width = KEY_COLUMNS.get(tuple(cell.lower() for cell in header[:2]), 1)
            seen: dict[tuple[str, ...], int] = {}
            for line, row in rows:
                key = tuple(row[:width])
                if key in seen:
                    problems.append(
                        f"{path.relative_to(ROOT)} line {line}: the table at line {start} "
                        f"already has a row for {' | '.join(key)} (line {seen[key]}); merge "
                        f"the two rows into one"
                    )
                seen.setdefault(key, line)

    assert not problems, "\n".join(problems)


def test_the_readme_is_a_front_door_to_the_reference():
    readme = (ROOT / "README.md").read_text()

    assert len(readme.splitlines()) < 200, "README.md is a front door: move reference to docs/"
    assert "make demo" in readme and "make test" in readme
    for page in ("configuration", "operations", "reviewing", "first-contact"):
        assert f"(docs/{page}.md)" in readme, f"README.md does not link docs/{page}.md"
        assert (ROOT / "docs" / f"{page}.md").exists()
