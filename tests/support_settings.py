"""The environment variables the settings read, found in the code rather than listed by hand.

config/settings.py reads every variable through a parser of config/env.py (`env_str("NAME")`,
`env_secret("NAME")`, ...). A parser that reads a secret (env_secret itself, or one that calls
it, such as env_email_url) also reads NAME_FILE. Both files are parsed, not imported, so the
answer does not depend on the environment the tests run in.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = ROOT / "config" / "settings.py"
ENV_FILE = ROOT / "config" / "env.py"


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


def settings_variable_reads() -> list[tuple[str, int]]:
    """(variable, line) for every variable config/settings.py reads through config.env,
    NAME_FILE included for a secret, in the order they are read."""
    secrets = secret_parsers()
    reads = []
    for node in ast.walk(ast.parse(SETTINGS_FILE.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id.startswith("env_")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            reads.append((node.args[0].value, node.lineno))
            if node.func.id in secrets:
                reads.append((f"{node.args[0].value}_FILE", node.lineno))
    return sorted(reads, key=lambda read: read[1])


def settings_variable_names() -> set[str]:
    """Every environment variable config/settings.py reads through config.env."""
    return {name for name, _line in settings_variable_reads()}
