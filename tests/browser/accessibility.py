"""axe-core in the browser tests: the npm package (package-lock.json) is read from node_modules
and run in the page through the DevTools protocol, so it is never served by the dashboard and
the pages' Content-Security-Policy stays as strict as in production."""

from functools import cache
from pathlib import Path

from django.conf import settings

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
RUN_AXE = """async () => {
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
    }));
}"""


@cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.evaluate(axe_source() + "\n;undefined")
    return [item for item in page.evaluate(RUN_AXE) if item["impact"] in SERIOUS]
