"""Options shared by many commands, read from the command line or the environment."""

from __future__ import annotations

from typing import Annotated

import typer

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="JIXIAO_DB",
        help="Database URL: sqlite:///PATH (default sqlite:///jixiao.db) or postgresql://USER@HOST/DB.",
        show_default=False,
    ),
]

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
