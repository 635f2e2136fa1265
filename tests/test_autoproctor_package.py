"""`pip install ./autoproctor` gives a package of its own: in a fresh virtualenv, without Django
or anything else of the dashboard, the example of autoproctor/README.md lists the results of
a simulator (`autoproctor.testing`) over real HTTP.

It uses no database, so it runs on the SQLite pass only (tests/fixtures/passes.py). pip fetches
the build backend (setuptools) and the package's dependencies from PyPI.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "autoproctor"


def readme_example() -> str:
    text = (PACKAGE / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 1, "autoproctor/README.md should hold one Python example"
    return blocks[0]


def run(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args[1:]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


def test_the_readme_example_runs_against_the_simulator_after_pip_install(tmp_path):
    # A copy, so the build's own files (build/, *.egg-info) never land in the working tree.
    source = tmp_path / "autoproctor"
    shutil.copytree(
        PACKAGE, source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info")
    )
    venv.create(tmp_path / "venv", with_pip=True)
    python = str(tmp_path / "venv" / ("Scripts" if sys.platform == "win32" else "bin") / "python")
    run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "./autoproctor"],
        tmp_path,
    )
    (tmp_path / "example.py").write_text(readme_example())
    elsewhere = tmp_path / "run"  # neither the repository nor the copy is on the path here
    elsewhere.mkdir()

    printed = run([python, str(tmp_path / "example.py")], elsewhere, timeout=60).stdout
    where = run([python, "-c", "import autoproctor; print(autoproctor.__file__)"], elsewhere)
    django = subprocess.run(
        [python, "-c", "import django"], cwd=elsewhere, capture_output=True, check=False
    )

    lines = printed.splitlines()
    assert len(lines) == 5, printed  # Simulator(attempts=5): one line per attempt
    for line in lines:
        test_attempt_id, lookup_key, trust_score = line.rsplit(" ", 2)
        assert test_attempt_id and lookup_key
        assert trust_score == "None" or 0 <= float(trust_score) <= 1
    assert "site-packages" in where.stdout, where.stdout
    assert django.returncode != 0, "the fresh virtualenv should have no Django"
    assert (Path(where.stdout.strip()).parent / "py.typed").exists()
    assert not (Path(where.stdout.strip()).parent / "tests").exists()
