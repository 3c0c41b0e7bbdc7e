"""The expert handlers only translate: no repository call and no storage import in them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

HANDLERS = Path(__file__).resolve().parents[2] / "handlers" / "expert"
REPOSITORY_CALL = re.compile(r"repos\.[a-z_]+\.[a-z_]+\(")


def _imported_modules(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_expert_handlers_import_no_storage_and_call_no_repository() -> None:
    files = sorted(HANDLERS.glob("*.py"))
    assert files
    for path in files:
        source = path.read_text(encoding="utf-8")
        storage = {m for m in _imported_modules(source) if m.split(".")[0] == "storage"}
        assert not storage, f"{path.name} imports {sorted(storage)}"
        assert not REPOSITORY_CALL.search(source), f"{path.name} calls a repository"
