"""The read side and the services never import `reports`: reports build on them, not the
other way round (an import cycle would hide there, and services would depend on printing)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("workflow/services", "workflow/read")


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def test_the_scan_sees_the_modules_it_guards() -> None:
    files = [p for folder in SCANNED for p in (ROOT / folder).rglob("*.py")]
    names = {p.relative_to(ROOT).as_posix() for p in files}
    # A moved folder must not turn this into a test of nothing.
    assert {"workflow/services/measure_work.py", "workflow/read/evidence.py"} <= names


def test_nothing_under_services_or_read_imports_reports() -> None:
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for folder in SCANNED
        for path in sorted((ROOT / folder).rglob("*.py"))
        for line, module in _imported_modules(path)
        if module == "reports" or module.startswith("reports.")
    ]
    assert offending == []
