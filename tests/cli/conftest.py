"""Fixtures for driving `jixiao` through typer's CLI runner against a fresh SQLite file."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pytest
from typer.testing import CliRunner

from cli.app import app


@dataclass
class Outcome:
    """What a command printed and how it exited."""

    exit_code: int
    stdout: str
    stderr: str


Invoke = Callable[..., Outcome]


#: The user a command runs as when a test names none: the auditor, once the ``admin``
#: fixture has created them (reads need a user and token; the auditor reads every report).
READER = "zhao.liu"
_DEFAULT = "<the auditor, if there is one yet>"


@pytest.fixture
def jixiao(tmp_path, monkeypatch) -> Invoke:
    """Run `jixiao ARGS…` in-process as ``user`` (with that user's token) on a fresh database;
    ``user=None`` runs it with no credentials at all."""
    monkeypatch.setenv("JIXIAO_DB", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("COLUMNS", "250")  # wide tables: cells are not wrapped
    for name in ("JIXIAO_USER", "JIXIAO_TOKEN", "JIXIAO_DEPARTMENT", "JIXIAO_YEAR"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    tokens: dict[str, str] = {}

    def invoke(*args: str, user: str | None = _DEFAULT) -> Outcome:
        env = {}
        if user == _DEFAULT:
            user = READER if READER in tokens else None
        if user is not None:
            env = {"JIXIAO_USER": user, "JIXIAO_TOKEN": tokens[user]}
        result = runner.invoke(app, list(args), env=env)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Outcome(result.exit_code, result.stdout, result.stderr)

    invoke.tokens = tokens  # type: ignore[attr-defined]
    return invoke


TOKEN = re.compile(r"token[^:]*: (\S+)")


@pytest.fixture
def admin(jixiao: Invoke) -> Invoke:
    """The database initialised, the Gusu Red Cross and 2021 set up, one user per role."""
    out = jixiao("admin", "init", "--admin", "root")
    assert out.exit_code == 0, out.stderr
    jixiao.tokens["root"] = TOKEN.search(out.stdout).group(1)  # type: ignore[attr-defined]
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
        out = jixiao(*step, user="root")
        assert out.exit_code == 0, (step, out.stderr)
    for user in ("zhang.san", "li.si", "wang.wu", "zhao.liu"):
        out = jixiao("admin", "user", "token", user, user="root")
        jixiao.tokens[user] = TOKEN.search(out.stdout).group(1)  # type: ignore[attr-defined]
    return jixiao


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
