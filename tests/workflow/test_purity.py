"""workflow/ stays pure: no database, Celery, typer, network or file-writing imports."""

from __future__ import annotations

import ast
from pathlib import Path

import workflow

FORBIDDEN = {
    "sqlmodel",
    "sqlalchemy",
    "psycopg",
    "sqlite3",
    "celery",
    "kombu",
    "redis",
    "typer",
    "jinja2",
    "projections",
    "worker",
    "cli",
    "socket",
    "urllib",
    "http",
    "requests",
    "subprocess",
    "shutil",
    "tempfile",
}
PACKAGE = Path(workflow.__file__).parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_forbidden_imports() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 15
    for path in files:
        assert not (_imports(path) & FORBIDDEN), path.name


def test_nothing_is_opened_for_writing_and_events_are_imported_by_submodule() -> None:
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "open(" not in text and "write_text" not in text, path.name
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "events":
                raise AssertionError(f"{path.name} imports the events package, not a submodule")
