"""Checks every new page passes in Chromium: no horizontal overflow at 390 px wide, and no
axe-core violations (axe-core from npm, injected into the page)."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
NARROW = {"width": 390, "height": 844}


def assert_usable_and_accessible(page, path: str) -> None:
    """Open ``path`` at 390 px and check it fits and axe finds nothing."""
    page.set_viewport_size(NARROW)
    response = page.goto(path)
    assert response is not None and response.status < 500, path
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{path} overflows by {overflow}px at 390 px wide"
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    assert violations == [], f"{path}: {violations}"
