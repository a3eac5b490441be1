"""workflow/ stays pure. Its imports (no database, Celery, typer, network, processes or
temporary files, and events only through its base classes) are the import-linter contract
in pyproject.toml, checked by tests/test_import_rules.py; this checks what an import
contract cannot see."""

from __future__ import annotations

from pathlib import Path

import workflow

PACKAGE = Path(workflow.__file__).parent


def test_nothing_is_opened_for_writing() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 15
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "open(" not in text and "write_text" not in text, path.name
