"""`jixiao audit`: checking the log's integrity."""

from __future__ import annotations

import json

import typer

from cli.context import open_store
from cli.failures import reported_errors
from cli.options import JsonOption

app = typer.Typer(help="Auditing: verify the hash chain of the log.", no_args_is_help=True)


@app.command()
def verify(as_json: JsonOption = False) -> None:
    """Walk the hash chain and name the first edited, missing or moved event.

    Exits 1 if the chain is broken.

    Example: jixiao audit verify --json
    """
    store = open_store()
    with reported_errors():
        report = store.verify()
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "checked": report.checked,
                    "head_position": report.head_position,
                    "first_bad_position": report.first_bad_position,
                    "problem": report.problem,
                },
                ensure_ascii=False,
            )
        )
    else:
        typer.echo(str(report))
    if not report.ok:
        raise typer.Exit(1)
