"""Who may import whom (docs/architecture.md): the import-linter contracts in pyproject.toml,
checked over the whole import graph (indirect imports included). The server is a face beside
the CLI: neither imports the other, and the packages below them know neither. Reading an
imported file (imports/) is shared by both faces and knows only the domain and the store
(docs/decisions/0604)."""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _contracts() -> list[dict]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return pyproject["tool"]["importlinter"]["contracts"]


def test_every_import_contract_holds() -> None:
    contracts = _contracts()
    command = shutil.which("lint-imports", path=sysconfig.get_path("scripts")) or shutil.which(
        "lint-imports"
    )
    assert command, "lint-imports not found: install the dev extra (pip install -e '.[dev]')"
    result = subprocess.run(
        [command, "--no-logo"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(contracts)} kept, 0 broken." in result.stdout


def test_the_layers_contract_is_the_architecture_table() -> None:
    layers = next(c["layers"] for c in _contracts() if c["type"] == "layers")
    assert layers == ["cli | web", "worker", "projections | imports", "workflow", "events"]


def test_the_cli_names_the_server_only_by_its_import_strings() -> None:
    from cli.serve_cmd import APPLICATION, HTTP_PROTOCOL

    assert APPLICATION == "web.app:create_app"
    assert HTTP_PROTOCOL == "web.http_protocol:OneWriteHttp"
    for name, keyword in ((APPLICATION, "def"), (HTTP_PROTOCOL, "class")):
        module, _, attribute = name.partition(":")
        source = (ROOT / Path(*module.split("."))).with_suffix(".py")
        assert f"{keyword} {attribute}(" in source.read_text(encoding="utf-8")
