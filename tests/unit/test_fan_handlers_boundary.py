"""handlers/fan only translates: no module imports storage, none reaches a repository.

Read from the source with `ast` (imports and attribute access), not grepped, so a re-export, an
alias or a repository reached through a local variable is caught all the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

FAN_HANDLERS = Path(__file__).resolve().parents[2] / "handlers" / "fan"


def _modules() -> list[Path]:
    found = sorted(FAN_HANDLERS.glob("*.py"))
    assert len(found) >= 13  # the walk found the package
    return found


def _imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_fan_handler_imports_storage() -> None:
    offending = {
        f"{path.name}: {name}"
        for path in _modules()
        for name in _imported(ast.parse(path.read_text(encoding="utf-8")))
        if name == "storage" or name.startswith("storage.")
    }
    assert offending == set()


def test_no_fan_handler_reaches_a_repository_or_a_unit_of_work() -> None:
    offending = {
        f"{path.name}:{node.lineno} .{node.attr}"
        for path in _modules()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr in {"repos", "unit_of_work"}
    }
    assert offending == set()
