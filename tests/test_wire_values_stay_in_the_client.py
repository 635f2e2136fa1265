"""AutoProctor's wire values (evidence statuses, envelope keys, signature parameters) appear in
autoproctor/ only: the rest of the product reads the model's own choices and the
client's typed values, so an account that differs needs one module changed, not a hunt.

The simulator (the other side of the wire) and migrations (generated) are exempt."""

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIRE_VALUES = {
    "processing",
    "processed",
    "test_attempt",
    "user_details",
    "all_evidence_records_file_url",
    "primary_device_evidence",
    "aux_device_evidence",
    "occurred_at_ISO",
    "recorded_at_ISO",
    "unixTimestamp",
    "hashedUnixTimestamp",
    "hashed_test_attempt_id",
    "clientId",
}
SCANNED = ("proctoring", "dashboard", "templates", "static/js", "scripts")
EXEMPT = ("/autoproctor/", "/migrations/")
QUOTED = re.compile(r"""(["'])([A-Za-z_]+)\1""")


def python_literals(path: Path):
    """(line, value) of every string literal in a Python file (comments are not code)."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    for token in tokens:
        if token.type == tokenize.STRING:
            try:
                value = ast.literal_eval(token.string)
            except (ValueError, SyntaxError):
                continue
            yield token.start[0], value


def other_literals(path: Path):
    for number, line in enumerate(path.read_text().splitlines(), 1):
        for match in QUOTED.finditer(line):
            yield number, match[2]


def wire_values_outside_the_client(root: Path = ROOT) -> list[str]:
    found = []
    for top in SCANNED:
        for path in sorted((root / top).rglob("*")):
            relative = path.relative_to(root).as_posix()
            exempt = any(part in f"/{relative}" for part in EXEMPT)
            if path.suffix not in (".py", ".html", ".js") or exempt:
                continue
            literals = python_literals(path) if path.suffix == ".py" else other_literals(path)
            found += [f"{relative}:{n}: {v!r}" for n, v in literals if v in WIRE_VALUES]
    return found


def test_no_wire_value_is_used_outside_proctoring_autoproctor():
    assert wire_values_outside_the_client() == []


def test_the_scan_finds_a_wire_value_where_it_does_not_belong(tmp_path):
    (tmp_path / "dashboard").mkdir()
    (tmp_path / "dashboard" / "views.py").write_text(
        '# "processed" in a comment\nS = "processed"\n'
    )
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text('{% if a.evidence_status == "processing" %}')
    (tmp_path / "proctoring" / "autoproctor").mkdir(parents=True)
    (tmp_path / "proctoring" / "autoproctor" / "wire.py").write_text('S = "processed"\n')

    assert wire_values_outside_the_client(tmp_path) == [
        "dashboard/views.py:2: 'processed'",
        "templates/page.html:1: 'processing'",
    ]
