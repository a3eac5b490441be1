"""Every command explains itself: help text with an example, through `--help`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cli import app
from tests.cli.conftest import run_cli


def leaf_commands(group=None, path=()):
    """(path, command) for every command below ``group``, depth first."""
    group = group or app.command()
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from leaf_commands(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = list(leaf_commands())


def test_the_tree_has_every_noun() -> None:
    top = {path[0] for path, _ in COMMANDS}
    assert top == {
        "admin", "audit", "demo", "projections", "report", "review", "serve", "whoami", "worker"
    }  # fmt: skip
    assert len(COMMANDS) >= 40


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=" ".join)
def test_every_command_has_help_and_an_example(path: tuple[str, ...]) -> None:
    result = run_cli([*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stdout + result.stderr
    text = result.stdout
    assert "Example: jixiao " in text or "Example: JIXIAO_" in text, text
    summary = text.split("\n\n")[1].strip()
    assert len(summary) > 15, summary


def test_usage_errors_exit_2() -> None:
    result = run_cli(["report", "show", "--year", "twenty"])
    assert result.exit_code == 2


def test_help_does_not_import_the_heavy_modules() -> None:
    probe = (
        "import sys; from cli.app import app; "
        "names = ('sqlalchemy', 'celery', 'weasyprint', 'openpyxl', 'pydantic', 'workflow'); "
        "heavy = [m for m in names if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
