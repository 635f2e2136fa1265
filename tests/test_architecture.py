"""Apps import only the apps below them (pyproject.toml's import-linter contracts), so a
verdict, an audit entry, a console call and a sync step each stay where the tree says; the
architecture document's import table says what the contracts and the code say; and no module
of the product grows past 400 lines."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "docs" / "architecture.md"
MAX_LINES = 400
# Modules over the limit whose split is under way elsewhere; each must leave this list as soon
# as it is split (the test below says so).
BEING_SPLIT = {}


def contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def layers() -> list[list[str]]:
    """The apps of the layers contract, top first; apps sharing a layer (`a | b`) together."""
    (contract,) = [contract for contract in contracts() if contract["type"] == "layers"]
    return [[app.strip() for app in layer.split("|")] for layer in contract["layers"]]


def documented_imports() -> list[tuple[str, set[str]]]:
    """(app, the apps its row says it imports) for each row of the architecture's import table,
    in order: the table under "Each app's direct imports"."""
    text = ARCHITECTURE.read_text()
    table = text.split("Each app's direct imports", 1)[1].split("\n\n", 2)[1]
    rows = []
    for line in table.splitlines()[2:]:
        app_cell, imports_cell = line.strip("|").split("|", 1)
        rows.append((app_cell.strip().strip("`"), set(re.findall(r"`([a-z_]+)`", imports_cell))))
    return rows


def test_no_app_imports_an_app_above_it():
    linter = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(  # noqa: S603 (the virtualenv's own tool)
        [str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]


def test_the_architecture_import_table_is_the_contracts_and_the_code():
    order = [app for layer in layers() for app in layer]
    level = {app: number for number, layer in enumerate(layers()) for app in layer}
    rows = documented_imports()
    graph = grimp.build_graph(*order, cache_dir=None)

    assert [app for app, _ in rows] == order, (
        "docs/architecture.md's import table should have one row per app of the layers contract "
        f"(pyproject.toml), in its order: {order}; it has {[app for app, _ in rows]}"
    )
    problems = []
    for app, documented in rows:
        actual = {
            other
            for other in order
            if other != app
            and graph.direct_import_exists(importer=app, imported=other, as_packages=True)
        }
        for other in sorted(documented - actual):
            problems.append(f"{app}'s row names `{other}`, which {app} does not import: remove it")
        for other in sorted(actual - documented):
            problems.append(f"{app} imports `{other}`: add it to {app}'s row")
        for other in sorted(documented & set(level)):
            if level[other] <= level[app]:
                problems.append(f"{app}'s row names `{other}`, which the layers contract forbids")
    assert not problems, "docs/architecture.md's import table:\n" + "\n".join(problems)


def product_modules() -> list[Path]:
    packages = [app for layer in layers() for app in layer] + ["benchmarks", "scripts"]
    return sorted(
        path
        for package in packages
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.relative_to(ROOT).parts
    )


def test_no_module_of_the_product_is_over_400_lines():
    lengths = {
        path.relative_to(ROOT).as_posix(): len(path.read_text().splitlines())
        for path in product_modules()
    }
    long = {name: count for name, count in lengths.items() if count > MAX_LINES}

    problems = [
        f"{name} has {count} lines, over {MAX_LINES}: split it into modules with one job each "
        "(move code, keep the names it exports importable where callers use them)"
        for name, count in sorted(long.items())
        if name not in BEING_SPLIT
    ]
    problems += [
        f"{name} ({why}) has {lengths.get(name, 0)} lines now: remove it from BEING_SPLIT in "
        "tests/test_architecture.py"
        for name, why in sorted(BEING_SPLIT.items())
        if name not in long
    ]
    assert len(lengths) > 200  # every package was read
    assert not problems, "\n".join(problems)
