"""`jixiao worker`: a Celery render worker with the outbox relay and the reconciling sweep;
rendering here what is pending; one pass of deadline reminders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.context import caught_up_projections, settings
from cli.failures import reported_errors
from cli.options import JsonOption
from cli.output import print_json

#: Where rendered reports go; both commands write there.
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        envvar="JIXIAO_OUT",
        help="Folder for rendered reports (default ./jixiao-output).",
    ),
]

app = typer.Typer(help="The render worker: start it beside the store.", no_args_is_help=True)


@app.command()
def start(
    concurrency: Annotated[int, typer.Option(help="Render processes.", min=1, max=64)] = 1,
    out: OutOption = None,
    beat: Annotated[
        bool,
        typer.Option(
            "--beat",
            help="Also run the beat schedule: deadline reminders every "
            "JIXIAO_REMINDER_INTERVAL seconds (one worker per deployment).",
        ),
    ] = False,
) -> None:
    """Run a Celery worker and the outbox relay until Ctrl-C or SIGTERM.

    With --broker (or JIXIAO_BROKER) set to Redis, start one per machine; without it, the
    embedded broker (a SQLite file beside the store) needs no server. A render is stopped
    after JIXIAO_RENDER_SOFT_LIMIT seconds (default 120) and recorded as RenderFailed;
    the Celery worker stops when this command does, even after kill -9. With --beat it
    sends deadline reminders on schedule (hourly by default); with JIXIAO_SMTP set, this
    command mails them.

    Example: jixiao --db postgresql://jixiao@db/jixiao --broker redis://127.0.0.1:6379/0 worker start --concurrency 2 --beat
    """
    import logging

    from worker.runner import run_worker

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    given = settings()
    with reported_errors():
        run_worker(given.db, given.broker, concurrency, out, beat=beat)


@app.command("render-pending")
def render_pending(
    year: Annotated[int | None, typer.Option("--year", "-y", help="Only this fiscal year.")] = None,
    out: OutOption = None,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed",
            help="Also render the revisions the worker gave up on (a final RenderFailed).",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Render, in this process, every signed-off revision that has no rendering yet.

    For an office without a running worker, or after an outage; each revision is rendered
    and recorded once, exactly as a worker would. A revision whose render the worker gave
    up on (it exceeded the time limits or kept failing) is skipped and named, unless
    --retry-failed: then it is rendered here, without the worker's time limits.

    Example: jixiao worker render-pending -y 2021 --out /srv/jixiao/reports --retry-failed
    """
    from cli.progress import progress_bar
    from projections.report_state import list_reports
    from worker.render import render_revision
    from worker.revision import find_signed_off
    from worker.settings import load_settings

    given = settings()
    store = caught_up_projections()
    with reported_errors():
        target = load_settings(db_url=given.db, broker_url=given.broker, out_dir=out).out_dir
        pending = list_reports(store.engine, year=year, stage="signed_off")
        rendered: list[dict[str, Any]] = []
        with progress_bar("rendering", len(pending)) as advance:
            for done, row in enumerate(pending, start=1):
                signed = find_signed_off(
                    store, row.department, row.year, row.revision, project=row.project
                )
                if signed.given_up and signed.failure is not None and not retry_failed:
                    typer.echo(
                        f"skipped {row.report} revision {row.revision}: render failed after "
                        f"{signed.failure.attempt} attempt(s): {signed.failure.reason} "
                        "(--retry-failed renders it here)",
                        err=True,
                    )
                    advance(done)
                    continue
                outcome = render_revision(
                    store,
                    row.department,
                    row.year,
                    row.revision,
                    out_dir=target,
                    project=row.project,
                )
                rendered.append(
                    {
                        "report": row.report,
                        "revision": row.revision,
                        "artifacts": [a.path for a in outcome.artifacts],
                    }
                )
                advance(done)
    if as_json:
        print_json(rendered)
        return
    for item in rendered:
        typer.echo(f"{item['report']} revision {item['revision']}: {', '.join(item['artifacts'])}")
    typer.echo(f"rendered {len(rendered)} revision(s)")


@app.command()
def reminders(
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            help="The moment to decide at, ISO 8601 (default: now); naive times are UTC.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record the deadline reminders due now, once each, and mail them (JIXIAO_SMTP).

    A department whose report is not submitted is reminded 7 days and 1 day before its
    fiscal year's deadline, and once overdue; running this again records and sends nothing
    new. For cron, where no `worker start --beat` runs the same pass hourly.

    Example: jixiao worker reminders --now 2022-06-29T09:00+08:00
    """
    from datetime import UTC, datetime

    from cli.moments import parse_time
    from worker.reminders import describe, run_reminders
    from worker.settings import load_settings

    moment = parse_time(now, field="--now") or datetime.now(UTC)
    given = settings()
    with reported_errors():
        smtp = load_settings(db_url=given.db, broker_url=given.broker).smtp
    store = caught_up_projections()
    with reported_errors():
        done = run_reminders(store, now=moment, smtp=smtp)
    if as_json:
        print_json(done.as_data())
        return
    for record in done.recorded:
        typer.echo(f"reminded {describe(record)}")
    for delivery in done.deliveries:
        to = ", ".join(delivery.recipients) or "nobody"
        detail = f" ({delivery.detail})" if delivery.detail else ""
        typer.echo(f"mail {delivery.key}: {delivery.status}, to {to}{detail}")
    sent = sum(1 for d in done.deliveries if d.status == "sent")
    mailed = f", {sent} e-mail(s) sent" if smtp is not None else " (JIXIAO_SMTP unset: no e-mail)"
    typer.echo(f"recorded {len(done.recorded)} reminder(s){mailed}")
