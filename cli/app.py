"""The root `jixiao` command: global options, and one sub-app per noun, each loaded only
when it runs or help lists it."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator, MutableMapping
from importlib import import_module
from typing import Any

import typer
from typer.core import TyperGroup
from typer.models import CommandInfo, TyperInfo

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
    """A group's commands by name: every name is listed, and each is built (its module
    imported, its Click command made) the first time it is looked up."""

    def __init__(self, builders: dict[str, Callable[[], Any]]) -> None:
        self._builders = builders
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in self._builders:
                raise KeyError(name)
            self._built[name] = self._builders[name]()
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(self._builders), **self._built})

    def __len__(self) -> int:
        return len({*self._builders, *self._built})


def _build(name: str) -> Any:
    """The Click command of ``name``, made as ``app.add_typer`` / ``app.command`` would."""
    module, attribute = COMMANDS[name].split(":")
    target = getattr(import_module(module), attribute)
    holder = typer.Typer()
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
        return _group(holder.registered_groups[0])
    holder.command(name)(target)
    return _command(holder.registered_commands[0])


def _command(info: CommandInfo) -> Any:
    return typer.main.get_command_from_info(
        info,
        pretty_exceptions_short=app.pretty_exceptions_short,
        rich_markup_mode=app.rich_markup_mode,
    )


def _group(info: TyperInfo) -> TyperGroup:
    """The Click group of a sub-app, as typer makes it, but with each of its commands and
    sub-groups made the first time it is looked up: typer reads the parameters of every
    command of a group when it makes the group (some 1–2 ms each), where one runs."""
    sub_app = info.typer_instance
    assert isinstance(sub_app, typer.Typer)
    builders: dict[str, Callable[[], Any]] = {}
    for command in sub_app.registered_commands:
        assert command.callback is not None
        name = command.name or typer.main.get_command_name(command.callback.__name__)
        builders[name] = functools.partial(_command, command)
    for group in sub_app.registered_groups:
        group_name = typer.main.solve_typer_info_defaults(group).name
        if not group_name:  # a sub-app merged into this one: typer's own way
            return _eager_group(info)
        builders[group_name] = functools.partial(_group, group)
    shell = copy.copy(sub_app)
    shell.registered_commands, shell.registered_groups = [], []
    outline = copy.copy(info)
    outline.typer_instance = shell
    built = _eager_group(outline)
    built.commands = _LazyCommands(builders)
    return built


def _eager_group(info: TyperInfo) -> TyperGroup:
    return typer.main.get_group_from_info(
        info,
        pretty_exceptions_short=app.pretty_exceptions_short,
        rich_markup_mode=app.rich_markup_mode,
        suggest_commands=app.suggest_commands,
    )


class LazyGroup(TyperGroup):
    """The root group, whose commands are :class:`_LazyCommands` of :data:`COMMANDS`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.commands = _LazyCommands({name: functools.partial(_build, name) for name in COMMANDS})


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


@functools.cache
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
