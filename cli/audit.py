"""`jixiao audit`: checking the log's integrity."""

from __future__ import annotations

import json

import typer

from cli.failures import reported_errors
from cli.options import DatabaseOption, JsonOption

app = typer.Typer(help="Auditing: verify the hash chain of the log.", no_args_is_help=True)


@app.command()
def verify(db: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Walk the hash chain and name the first edited, missing or moved event.

    Exits 1 if the chain is broken.

    Example: jixiao audit verify --json
    """
    from events.store import EventStore

    with reported_errors():
        report = EventStore.open(db).verify()
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
