"""Apps import only the apps below them (pyproject.toml's import-linter contracts), so a
verdict, an audit entry, a console call and a sync step each stay where the tree says."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_app_imports_an_app_above_it():
    linter = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(  # noqa: S603 (the virtualenv's own tool)
        [str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]
