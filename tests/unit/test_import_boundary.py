"""The layers' boundary: nothing under handlers/ imports storage or reaches a repository.

Handlers translate an update into one service call and its result into a reply; storage is the
services' business. The test reads every module's import statements with `ast` (not a grep), so
`from storage.x import y`, `import storage.x as s` and imports inside functions or under
`TYPE_CHECKING` all count, and a comment or a string that mentions storage does not. Without
an import a handler could still reach storage through the services (`context.services.repos`,
`services.unit_of_work()`): the attribute reads are checked the same way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = "storage"
STORAGE_HANDLES = frozenset({"repos", "unit_of_work"})  # Services attributes that open storage


def imported_modules(source: str) -> list[tuple[int, str]]:
    """Every module an import statement in `source` names, with its line."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def crosses(module: str) -> bool:
    """True for the storage package itself or any module inside it."""
    return module == FORBIDDEN or module.startswith(FORBIDDEN + ".")


def handler_modules() -> list[Path]:
    return sorted((ROOT / "handlers").rglob("*.py"))


def test_the_boundary_reader_sees_every_import_form() -> None:
    source = (
        "import storage\n"
        "import storage.repositories as r\n"
        "from storage.schema import items\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from storage.repositories.users import User\n"
        "def f():\n"
        "    from storage import database\n"
        "from storagebox import x\n"  # another package whose name starts alike
        "from . import storage\n"  # a relative import of a sibling named storage
        "# from storage import nothing\n"
        "text = 'import storage'\n"
    )
    crossing = [line for line, module in imported_modules(source) if crosses(module)]
    assert crossing == [1, 2, 3, 6, 8]


def test_handlers_are_found() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in handler_modules()}
    assert "handlers/__init__.py" in names
    assert "handlers/fan/cards.py" in names


@pytest.mark.parametrize(
    "path", handler_modules(), ids=lambda path: path.relative_to(ROOT).as_posix()
)
def test_no_handler_imports_storage(path: Path) -> None:
    crossing = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for line, module in imported_modules(path.read_text(encoding="utf-8"))
        if crosses(module)
    ]
    assert not crossing, "handlers reach storage only through services: " + "; ".join(crossing)


def storage_handles(source: str) -> list[tuple[int, str]]:
    """Every read of a Services attribute that hands out repositories, with its line."""
    return [
        (node.lineno, node.attr)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr in STORAGE_HANDLES
    ]


def test_the_handle_reader_sees_attribute_reads_only() -> None:
    source = (
        "items = context.services.repos.items\n"
        "async def f(services):\n"
        "    async with services.unit_of_work(write=True) as uow:\n"
        "        pass\n"
        "repos = 1\n"  # a name, not an attribute read
        "text = 'services.repos'\n"
    )
    assert storage_handles(source) == [(1, "repos"), (3, "unit_of_work")]


@pytest.mark.parametrize(
    "path", handler_modules(), ids=lambda path: path.relative_to(ROOT).as_posix()
)
def test_no_handler_reaches_a_repository(path: Path) -> None:
    reached = [
        f"{path.relative_to(ROOT)}:{line} reads .{attr}"
        for line, attr in storage_handles(path.read_text(encoding="utf-8"))
    ]
    assert not reached, "handlers call one service function per use case: " + "; ".join(reached)


# The rules import only the standard library and each other: no I/O layer, no framework.
DOMAIN_MAY_IMPORT = frozenset({"bot.domain"})
IO_LAYERS = ("storage", "handlers", "telegram", "sqlalchemy", "starlette", "httpx", "bot")


def domain_modules() -> list[Path]:
    return sorted((ROOT / "bot" / "domain").rglob("*.py"))


@pytest.mark.parametrize(
    "path", domain_modules(), ids=lambda path: path.relative_to(ROOT).as_posix()
)
def test_domain_rules_import_no_io_layer(path: Path) -> None:
    def allowed(module: str) -> bool:
        if any(module == m or module.startswith(m + ".") for m in DOMAIN_MAY_IMPORT):
            return True
        return not any(module == m or module.startswith(m + ".") for m in IO_LAYERS)

    crossing = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for line, module in imported_modules(path.read_text(encoding="utf-8"))
        if not allowed(module)
    ]
    assert not crossing, "bot/domain holds pure rules: " + "; ".join(crossing)
