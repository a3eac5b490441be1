"""`jixiao admin`: setting up the database."""

from __future__ import annotations

import typer

from cli.failures import reported_errors
from cli.options import DatabaseOption

app = typer.Typer(
    help="Administration: the database, departments, users, fiscal years.", no_args_is_help=True
)


@app.command()
def init(db: DatabaseOption = None) -> None:
    """Create the event store's tables and guards (safe to run again).

    Example: jixiao admin init --db postgresql://jixiao@db.example/jixiao
    """
    from events.database import database_url
    from events.store import EventStore

    with reported_errors():
        store = EventStore.open(db)
        position = store.head_position()
    typer.echo(f"event store ready at {database_url(db)} (log at position {position})")
