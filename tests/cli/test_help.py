"""Every command explains itself: help text with an example, through `--help`."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
import typer

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


def _described(command) -> object:
    """What a Click command or group shows and takes, subcommands included, by name."""
    params = [(p.name, tuple(getattr(p, "opts", ())), p.required) for p in command.params]
    shown = (command.name, command.help, command.short_help, command.hidden, params)
    if hasattr(command, "commands"):
        return (shown, {name: _described(sub) for name, sub in command.commands.items()})
    return shown


@pytest.mark.parametrize("noun", [n for n, where in app.COMMANDS.items() if where.endswith(":app")])
def test_a_noun_built_command_by_command_is_the_group_typer_builds(noun: str) -> None:
    # Each command of a noun's group is made when it is first looked up (a read makes
    # one of the report group's 14); listed in full, the group is the one typer makes.
    lazy = app._build(noun)
    module, attribute = app.COMMANDS[noun].split(":")
    holder = typer.Typer()
    holder.add_typer(getattr(importlib.import_module(module), attribute), name=noun)
    eager = app._eager_group(holder.registered_groups[0])
    assert list(lazy.commands) == list(eager.commands)
    assert _described(lazy) == _described(eager)


def test_a_command_run_makes_only_itself_of_its_group() -> None:
    group = app._build("report")
    made = group.commands._built  # type: ignore[attr-defined]
    assert made == {}
    assert group.commands["show"].name == "show"
    assert list(made) == ["show"]
