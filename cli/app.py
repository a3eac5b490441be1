"""The root `jixiao` command: global options, and one sub-app per noun, each loaded only
when it runs or help lists it."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from functools import cache
from importlib import import_module
from typing import Any

import typer
from typer.core import TyperGroup

from cli.context import Settings, use_settings
from cli.failures import fail
from cli.options import BrokerOption, DatabaseOption, ServerOption, TokenOption, UserOption

#: Every noun and command of `jixiao`, in the order help lists them, with where it is
#: defined: ``module:name``, a typer app for a noun, a function for a command. A module is
#: imported when its command runs (or help lists it), so a command loads no other's
#: modules; a new noun or top-level command is one line here (docs/decisions/0403).
COMMANDS = {
    "demo": "cli.demo:demo",
    "serve": "cli.serve_cmd:serve",
    "whoami": "cli.whoami_cmd:whoami",
    "admin": "cli.admin:app",
    "report": "cli.report:app",
    "review": "cli.review:app",
    "audit": "cli.audit:app",
    "projections": "cli.projections_cmd:app",
    "worker": "cli.worker_cmd:app",
}


class _LazyCommands(MutableMapping[str, Any]):
    """The root's commands by name: every name of :data:`COMMANDS` is listed, and each is
    built (its module imported, its Click command made) the first time it is looked up."""

    def __init__(self) -> None:
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in COMMANDS:
                raise KeyError(name)
            self._built[name] = _build(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(COMMANDS), **self._built})

    def __len__(self) -> int:
        return len({*COMMANDS, *self._built})


def _build(name: str) -> Any:
    """The Click command of ``name``, made as ``app.add_typer`` / ``app.command`` would."""
    module, attribute = COMMANDS[name].split(":")
    target = getattr(import_module(module), attribute)
    holder = typer.Typer()
    short, markup = app.pretty_exceptions_short, app.rich_markup_mode
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
        return typer.main.get_group_from_info(
            holder.registered_groups[0],
            pretty_exceptions_short=short,
            rich_markup_mode=markup,
            suggest_commands=app.suggest_commands,
        )
    holder.command(name)(target)
    return typer.main.get_command_from_info(
        holder.registered_commands[0], pretty_exceptions_short=short, rich_markup_mode=markup
    )


class LazyGroup(TyperGroup):
    """The root group, whose commands are :class:`_LazyCommands`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.commands = _LazyCommands()


app = typer.Typer(
    cls=LazyGroup,
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
    built = typer.main.get_command(app)
    if not isinstance(built, TyperGroup):  # an app with sub-apps always builds a group
        raise TypeError(f"jixiao's command: got {type(built).__name__}, expected a TyperGroup")
    return built


def main() -> None:
    """Entry point of the `jixiao` console script."""
    app()
