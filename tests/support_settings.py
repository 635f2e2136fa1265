"""The environment variables the settings read, found in the code rather than listed by hand.

The settings (config/settings.py, and the modules of config it takes a concern's settings from,
such as config/single_sign_on.py) read every variable through a parser of config/env.py
(`env_str("NAME")`, `env_secret("NAME")`, ...). A parser that reads a secret (env_secret itself,
or one that calls it, such as env_email_url) also reads NAME_FILE. The files are parsed, not
imported, so the answer does not depend on the environment the tests run in.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = ROOT / "config" / "env.py"
SETTINGS_FILES = sorted(path for path in (ROOT / "config").glob("*.py") if path != ENV_FILE)


def _calls(node: ast.AST) -> set[str]:
    return {
        call.func.id
        for call in ast.walk(node)
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
    }


def secret_parsers() -> set[str]:
    """The parsers of config/env.py that also read NAME_FILE: env_secret and those calling it."""
    functions = {
        node.name: _calls(node)
        for node in ast.parse(ENV_FILE.read_text()).body
        if isinstance(node, ast.FunctionDef)
    }
    found = {"env_secret"}
    while True:
        more = {name for name, called in functions.items() if called & found} - found
        if not more:
            return found
        found |= more


def settings_variable_reads() -> list[tuple[str, str]]:
    """(variable, where: "config/settings.py line 12") for every variable the settings read
    through config.env, NAME_FILE included for a secret, file by file in the order read."""
    secrets = secret_parsers()
    reads = []
    for path in SETTINGS_FILES:
        found = []
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id.startswith("env_")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.append((node.args[0].value, node.lineno))
                if node.func.id in secrets:
                    found.append((f"{node.args[0].value}_FILE", node.lineno))
        where = path.relative_to(ROOT).as_posix()
        reads += [
            (name, f"{where} line {line}") for name, line in sorted(found, key=lambda r: r[1])
        ]
    return reads


def settings_variable_names() -> set[str]:
    """Every environment variable config/settings.py reads through config.env."""
    return {name for name, _line in settings_variable_reads()}
