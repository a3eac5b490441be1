"""`jixiao projections`: how far each read model is behind the log, and rebuilding them."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.context import answered_quickly, open_store
from cli.failures import reported_errors
from cli.options import JsonOption
from cli.output import print_json, print_table

app = typer.Typer(
    help="Read models: their status, and rebuilding them from the log.", no_args_is_help=True
)


@app.command()
def status(as_json: JsonOption = False) -> None:
    """Show each projection's checkpoint and how many events it is behind the log.

    Example: jixiao projections status --json
    """
    from projections.at_head import projection_status

    rows = answered_quickly(lambda log: projection_status(log, log.head_position()))
    if rows is None:
        from projections.registry import projection_runner

        runner = projection_runner(open_store())
        with reported_errors():
            runner.setup()
            rows = runner.status()
    data = [
        {
            "name": s.name,
            "version": s.version,
            "position": s.position,
            "head": s.head,
            "lag": s.lag,
            "updated_at": s.updated_at,
        }
        for s in rows
    ]
    if as_json:
        print_json(data)
    else:
        print_table(
            "projections",
            ["name", "version", "position", "head", "lag", "updated"],
            [d.values() for d in data],
        )


@app.command()
def rebuild(
    names: Annotated[
        list[str] | None, typer.Argument(help="Projections to rebuild (default: all).")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Processes folding the report streams, each its share of them; the rows "
            "are the same. For a large log on a machine with several cores (`$(nproc)`).",
        ),
    ] = 1,
    as_json: JsonOption = False,
) -> None:
    """Drop projections' tables and replay the whole log into them; the result is identical.

    Example: jixiao projections rebuild audit_trail
    Example: jixiao projections rebuild --workers 4
    """
    import time

    from cli.progress import progress_bar
    from projections.registry import projection_runner

    # A name given twice is rebuilt once (twice would drop its indexes twice).
    names = list(dict.fromkeys(names)) if names else None
    store = open_store()
    runner = projection_runner(store)
    with reported_errors():
        runner.setup()
        head = store.head_position()
        started = time.perf_counter()
        with progress_bar("rebuilding", head) as advance:
            if workers > 1:
                from projections.partitioned import rebuild_in_shares

                applied = rebuild_in_shares(
                    runner, workers, names or None, progress=lambda done, _h: advance(done)
                )
            else:
                applied = runner.rebuild(names or None, progress=lambda done, _head: advance(done))
    seconds = time.perf_counter() - started
    rate = round(applied / seconds) if seconds > 0 else None
    if as_json:
        print_json(
            {
                "rebuilt": names or [p.name for p in runner.projections],
                "events": applied,
                "workers": workers,
                "seconds": round(seconds, 3),
                "events_per_s": rate,
            }
        )
    else:
        typer.echo(
            f"rebuilt {', '.join(names or [p.name for p in runner.projections])}: {applied} events in {seconds:.2f} s"
            + (f" ({workers} processes)" if workers > 1 else "")
        )
