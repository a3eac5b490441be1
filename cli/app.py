"""The root `jixiao` command and its sub-commands, one sub-app per noun."""

from __future__ import annotations

import typer

from cli import admin, audit

app = typer.Typer(
    name="jixiao",
    help=(
        "jixiao (绩效): prepare, review, sign off, render and audit budget performance "
        "self-evaluation reports, with every change kept as an event.\n\n"
        "Example: jixiao admin init --db sqlite:///jixiao.db"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(admin.app, name="admin")
app.add_typer(audit.app, name="audit")


def main() -> None:
    """Entry point of the `jixiao` console script."""
    app()
