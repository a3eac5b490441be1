"""The root `jixiao` command: global options, and one sub-app per noun."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import typer

from cli import admin, audit, demo, projections_cmd, report, review, serve_cmd, worker_cmd
from cli.context import Settings, use_settings
from cli.failures import fail
from cli.options import BrokerOption, DatabaseOption, ServerOption, TokenOption, UserOption
from cli.whoami_cmd import whoami

if TYPE_CHECKING:
    from typer.core import TyperGroup

app = typer.Typer(
    name="jixiao",
    help=(
        "jixiao (绩效): prepare, review, sign off, render and audit budget performance "
        "self-evaluation reports, with every change kept as an event.\n\n"
        "Example: jixiao demo"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(admin.app, name="admin")
app.add_typer(report.app, name="report")
app.add_typer(review.app, name="review")
app.add_typer(audit.app, name="audit")
app.add_typer(projections_cmd.app, name="projections")
app.add_typer(worker_cmd.app, name="worker")
app.command("demo")(demo.demo)
app.command("serve")(serve_cmd.serve)
app.command("whoami")(whoami)


#: The commands that work on the database itself: with --server they are refused, since
#: they run where the database is (the server's machine), never through the server.
LOCAL_ONLY = ("admin", "projections", "worker", "serve", "demo")


@app.callback()
def options(
    context: typer.Context,
    db: DatabaseOption = None,
    user: UserOption = None,
    token: TokenOption = None,
    broker: BrokerOption = None,
    server: ServerOption = None,
) -> None:
    """Options that every command uses; each can also come from its environment variable."""
    server = server.strip() if server is not None else None
    use_settings(Settings(db=db, user=user, token=token, broker=broker, server=server or None))
    if server and context.invoked_subcommand in LOCAL_ONLY:
        raise fail(
            f"{context.invoked_subcommand}: runs on the server's machine, with --db; "
            f"got --server {server}"
        )


@cache
def command() -> TyperGroup:
    """The Click command behind ``app``, built once per process.

    typer builds it from the function signatures on every ``app()`` call, which costs more
    than most commands; callers that run many commands in one process (the tests) reuse
    this one.
    """
    from typer.core import TyperGroup

    built = typer.main.get_command(app)
    if not isinstance(built, TyperGroup):  # an app with sub-apps always builds a group
        raise TypeError(f"jixiao's command: got {type(built).__name__}, expected a TyperGroup")
    return built


def main() -> None:
    """Entry point of the `jixiao` console script."""
    app()
