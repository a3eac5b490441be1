"""Who may import whom (docs/architecture.md): each package's imports, read from its source,
against the table. The server is a face beside the CLI: neither imports the other, and the
packages below them know neither. Reading an imported file (imports/) is shared by both faces
and knows only the domain and the store (docs/decisions/0604)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: package → the project's packages it must never import.
NEVER = {
    "events": {"workflow", "projections", "worker", "imports", "cli", "web"},
    "workflow": {"projections", "worker", "imports", "cli", "web"},
    "projections": {"worker", "imports", "cli", "web"},
    "worker": {"imports", "cli", "web"},
    "imports": {"projections", "worker", "cli", "web"},
    "cli": {"web"},
    "web": {"cli"},
}


def imported_packages(path: Path) -> set[str]:
    """The top-level names a module imports, at any depth of its code."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(NEVER))
def test_package_imports_follow_the_table(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, package
    offending = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & NEVER[package])
        for path in files
        if imported_packages(path) & NEVER[package]
    }
    assert offending == {}


def test_the_cli_names_the_server_only_by_its_import_string() -> None:
    from cli.serve_cmd import APPLICATION

    assert APPLICATION == "web.app:create_app"
    module, _, factory = APPLICATION.partition(":")
    assert (ROOT / Path(*module.split("."))).with_suffix(".py").is_file()
    assert f"def {factory}(" in (ROOT / "web" / "app.py").read_text(encoding="utf-8")
