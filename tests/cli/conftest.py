"""Fixtures for driving `jixiao` in-process against a SQLite file of the test's own.

One Click command serves every call, so hundreds of commands stay cheap without changing
what they do (typer would rebuild it from the signatures on each). The databases the
fixtures start from (`admin`, and each module's further steps) are built once per session
and copied into each test's folder (see tests/worlds.py).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import LOCAL_ONLY, command
from tests.served import serving
from tests.worlds import copy_sqlite


@dataclass
class Outcome:
    """What a command printed and how it exited."""

    exit_code: int
    stdout: str
    stderr: str


RUNNER = CliRunner()


def run_cli(args: Iterable[str], env: Mapping[str, str | None] | None = None) -> Outcome:
    """Run `jixiao ARGS…` in-process, as typer's CliRunner.invoke does, on the one Click
    command; an exception other than an exit is raised, not returned."""
    cli = command()
    with RUNNER.isolation(env=env) as (stdout, stderr, _):
        try:
            cli.main(args=list(args), prog_name=RUNNER.get_default_prog_name(cli))
            code: object = 0
        except SystemExit as exit:
            code = exit.code
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        if code is None:
            code = 0
        if not isinstance(code, int):
            sys.stdout.write(f"{code}\n")
            code = 1
        out, err = stdout.getvalue(), stderr.getvalue()
    decode = lambda b: b.decode(RUNNER.charset, "replace").replace("\r\n", "\n")  # noqa: E731
    return Outcome(code, decode(out), decode(err))


#: The user a command runs as when a test names none: the auditor, once the ``admin``
#: fixture has created them (reads need a user and token; the auditor reads every report).
READER = "zhao.liu"
_DEFAULT = "<the auditor, if there is one yet>"


class Invoke:
    """Runs `jixiao ARGS…` as ``user`` (with that user's token from ``tokens``) on ``db``, the
    SQLite file, or on the database at ``url`` when one is given (PostgreSQL).

    After :meth:`through_server`, every command but administration goes through a real
    server over that database (`--server`, no database given), as a preparer's CLI does in a
    deployment; administration runs on the database, as on the server's machine.
    """

    def __init__(
        self, db: Path, tokens: dict[str, str] | None = None, url: str | None = None
    ) -> None:
        self.db = db
        self.url = url or f"sqlite:///{db}"
        self.tokens: dict[str, str] = dict(tokens or {})
        self.server_mode = False
        self._serving: ExitStack | None = None
        self._base: str | None = None

    def through_server(self) -> None:
        """From now on, send role commands through a server (started at the first one)."""
        self.server_mode = True

    @property
    def server(self) -> str:
        """The base URL of the server over this database, started on first use."""
        if self._base is None:
            self._serving = ExitStack()
            self._base = self._serving.enter_context(serving(self.url))
        return self._base

    def close(self) -> None:
        """Stop the server, if one was started."""
        if self._serving is not None:
            self._serving.close()
            self._serving, self._base = None, None

    def __call__(self, *args: str, user: str | None = _DEFAULT) -> Outcome:
        env: dict[str, str | None] = {"JIXIAO_DB": self.url, "JIXIAO_SERVER": None}
        if self.server_mode and args and args[0] not in LOCAL_ONLY:
            env = {"JIXIAO_DB": None, "JIXIAO_SERVER": self.server}
        if user == _DEFAULT:
            user = READER if READER in self.tokens else None
        if user is not None:
            env |= {"JIXIAO_USER": user, "JIXIAO_TOKEN": self.tokens[user]}
        return run_cli(args, env)


#: The variables a test may set that would change what a command does.
CALLER_VARIABLES = (
    "JIXIAO_USER",
    "JIXIAO_TOKEN",
    "JIXIAO_DEPARTMENT",
    "JIXIAO_YEAR",
    "JIXIAO_SERVER",
)


@pytest.fixture
def jixiao(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run `jixiao ARGS…` in-process as ``user`` (with that user's token) on a fresh database;
    ``user=None`` runs it with no credentials at all."""
    monkeypatch.setenv("JIXIAO_DB", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("COLUMNS", "250")  # wide tables: cells are not wrapped
    for name in CALLER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return Invoke(tmp_path / "cli.db")


Build = Callable[[Invoke], None]


class CliWorlds:
    """Databases built once per session by running commands, copied for each test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.built: dict[Build, Invoke] = {}

    def restore(self, run: Invoke, build: Build, base: Build | None = None) -> Invoke:
        """``run``'s database becomes a copy of the world ``build`` makes of ``base``'s world
        (or of an empty folder), built on first use; ``run`` gets its users' tokens."""
        if build not in self.built:
            template = Invoke(self.folder / f"{build.__module__}.{build.__qualname__}.db")
            if base is not None:
                origin = self.built[base]
                copy_sqlite(origin.db, template.db)
                template.tokens.update(origin.tokens)
            with pytest.MonkeyPatch.context() as patch:
                for variable in CALLER_VARIABLES:
                    patch.delenv(variable, raising=False)
                build(template)
            self.built[build] = template
        template = self.built[build]
        copy_sqlite(template.db, run.db)
        run.tokens.update(template.tokens)
        return run


@pytest.fixture(scope="session")
def cli_worlds(tmp_path_factory: pytest.TempPathFactory) -> CliWorlds:
    """The session's built databases."""
    return CliWorlds(tmp_path_factory.mktemp("cli-worlds"))


TOKEN = re.compile(r"token[^:]*: (\S+)")


def set_up_administration(run: Invoke) -> None:
    """The database initialised, the Gusu Red Cross and 2021 set up, one user per role."""
    out = run("admin", "init", "--admin", "root")
    assert out.exit_code == 0, out.stderr
    run.tokens["root"] = TOKEN.search(out.stdout).group(1)  # type: ignore[union-attr]
    steps = [
        ("admin", "department", "add", "gusu-rc", "姑苏区红十字会"),
        ("admin", "year", "open", "2021", "--deadline", "2022-06-30"),
    ]
    for user, role, scope in (
        ("zhang.san", "preparer", "gusu-rc"),
        ("li.si", "department_head", "gusu-rc"),
        ("wang.wu", "finance_reviewer", "*"),
        ("zhao.liu", "auditor", "*"),
    ):
        steps += [
            ("admin", "user", "add", user, user),
            ("admin", "user", "grant", user, role, scope),
        ]
    for step in steps:
        out = run(*step, user="root")
        assert out.exit_code == 0, (step, out.stderr)
    for user in ("zhang.san", "li.si", "wang.wu", "zhao.liu"):
        out = run("admin", "user", "token", user, user="root")
        run.tokens[user] = TOKEN.search(out.stdout).group(1)  # type: ignore[union-attr]


@pytest.fixture(params=["direct", "server"])
def mode(request: pytest.FixtureRequest) -> str:
    """For a test that runs twice: its commands on the database, then through a server.

    A test asks for it by naming ``mode``; the world fixtures (``admin``, and those made by
    ``on_administration``) then give it an Invoke in that mode.
    """
    return request.param


def in_mode(run: Invoke, request: pytest.FixtureRequest) -> Invoke:
    """``run``, through a server when the test runs in server ``mode``."""
    if "mode" in request.fixturenames and request.getfixturevalue("mode") == "server":
        run.through_server()
        request.addfinalizer(run.close)
    return run


@pytest.fixture
def admin(jixiao: Invoke, cli_worlds: CliWorlds, request: pytest.FixtureRequest) -> Invoke:
    """The database initialised, the Gusu Red Cross and 2021 set up, one user per role."""
    return in_mode(cli_worlds.restore(jixiao, set_up_administration), request)


def on_administration(build: Build) -> Callable[..., Invoke]:
    """A fixture: the `admin` world with ``build`` run on it (built once, copied per test)."""

    def fixture(admin: Invoke, cli_worlds: CliWorlds, request: pytest.FixtureRequest) -> Invoke:
        return in_mode(cli_worlds.restore(admin, build, base=set_up_administration), request)

    fixture.__doc__ = build.__doc__
    return pytest.fixture(name=build.__name__)(fixture)


#: The seed report's key on the command line.
KEY = ("-d", "gusu-rc", "-y", "2021")
#: From submission to the last signature: each command and who runs it.
REVIEW_TO_SIGN_OFF = (
    (("review", "submit", *KEY), "zhang.san"),
    (("review", "approve", *KEY), "li.si"),
    (("review", "approve", *KEY), "wang.wu"),
    (("review", "sign-off", *KEY), "li.si"),
    (("review", "sign-off", *KEY), "wang.wu"),
)


def run_steps(run: Invoke, steps: Iterable[tuple[tuple[str, ...], str]]) -> None:
    """Run each (arguments, user) step, asserting it was accepted."""
    for args, user in steps:
        out = run(*args, user=user)
        assert out.exit_code == 0, (args, out.stderr)


def assert_preparer_told(run: Invoke, note: str, comment: str) -> None:
    """The preparer's inbox note and the open comment `report show` starts with."""
    import json

    (waiting,) = json.loads(run("review", "inbox", "--json", user="zhang.san").stdout)
    assert waiting["note"] == note
    shown = run("report", "show", *KEY, user="zhang.san").stdout
    assert shown.startswith(f"open comment: {comment}\n"), shown
