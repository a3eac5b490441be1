"""Reads answered from the read models through the driver alone (docs/decisions/0208) say
exactly what the full path says, refuse what it refuses, and never answer from read
models that are behind the log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import cli.context
import cli.projections_cmd
from cli.seed_file import SEED_FILE
from tests.cli.conftest import KEY, Invoke, on_administration

#: Every read with a quick path, with arguments that reach each of its answers and refusals.
READS = [
    ("report", "show", *KEY),
    ("report", "show", *KEY, "--json"),
    ("report", "show", *KEY, "--revision", "2"),
    ("report", "show", "-d", "no-such", "-y", "2021"),
    ("report", "show", "-d", "BAD CODE", "-y", "2021"),
    ("report", "list"),
    ("report", "list", "-y", "2021", "--json"),
    ("report", "list", "-y", "2020"),
    ("report", "list", "--stage", "submitted"),
    ("report", "overview", "2021"),
    ("report", "overview", "2021", "--json"),
    ("report", "overview", "2030"),
    ("review", "inbox"),
    ("audit", "trail", *KEY),
    ("audit", "trail", "--json", "--limit", "3", "--since", "2020-01-01"),
    ("audit", "trail", "-y", "2021", "--by", "zhang.san"),
    ("audit", "trail", *KEY, "--item", "line:publicity"),
    ("audit", "trail", *KEY, "--item", "line:publicty"),
    ("audit", "trail", "-d", "no-such", "-y", "2021"),
    ("projections", "status"),
]
#: Who reads: the department's preparer and head, the finance reviewer (the report is a
#: draft: not theirs to read), the auditor, and a wrong token.
USERS = ["zhang.san", "li.si", "wang.wu", "zhao.liu", "wrong-token"]


@on_administration
def caught_up(run):
    """The seed report imported, and the read models brought to the log's head by a read."""
    assert run("report", "import", str(SEED_FILE), user="zhang.san").exit_code == 0
    assert run("report", "list").exit_code == 0


@contextmanager
def full_path_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Within the ``with``, every read takes the full path (the SQL store, a catch-up)."""

    def nothing_quickly(answer: object) -> None:
        return None

    with monkeypatch.context() as patch:
        patch.setattr(cli.context, "answered_quickly", nothing_quickly)
        patch.setattr(cli.projections_cmd, "answered_quickly", nothing_quickly)
        yield


@pytest.mark.parametrize("user", USERS)
def test_a_quick_read_says_what_the_full_path_says(caught_up: Invoke, user, monkeypatch) -> None:
    token = caught_up.tokens.get(user, caught_up.tokens["zhao.liu"][:-4] + "AAAA")
    caller = "zhao.liu" if user == "wrong-token" else user
    for argv in READS:
        quick = _outcome(caught_up, argv, caller, token)
        with full_path_only(monkeypatch):
            full = _outcome(caught_up, argv, caller, token)
        assert quick == full, argv


def test_a_read_after_a_command_shows_it(caught_up: Invoke) -> None:
    # The command leaves the read models behind the log: the next read must catch up
    # rather than answer from them as they were.
    assert caught_up("review", "submit", *KEY, user="zhang.san").exit_code == 0
    listed = json.loads(caught_up("report", "list", "--json").stdout)
    assert [r["stage"] for r in listed] == ["submitted"]
    returned = caught_up("review", "return", *KEY, "--comment", "补充说明", user="li.si")
    assert returned.exit_code == 0, returned.stderr
    view = json.loads(caught_up("report", "show", *KEY, "--json", user="wang.wu").stdout)
    assert view["stage"] == "draft"
    inbox = caught_up("review", "inbox", "--json", user="zhang.san")
    assert [i["action"] for i in json.loads(inbox.stdout)] == ["submit"]


def test_a_quick_read_checks_the_token_of_every_caller(caught_up: Invoke) -> None:
    caught_up.tokens["zhao.liu"] = caught_up.tokens["zhao.liu"][:-1] + "x"
    out = caught_up("report", "show", *KEY)
    assert (out.exit_code, out.stdout) == (1, "")
    assert out.stderr == (
        "error: user 'zhao.liu': unknown user or token, expected a current token issued "
        "to this user\n"
    )


def _outcome(run: Invoke, argv, user: str, token: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `jixiao ARGV…` as ``user`` presenting ``token``."""
    kept = run.tokens.get(user)
    run.tokens[user] = token
    try:
        out = run(*argv, user=user)
    finally:
        run.tokens[user] = kept
    return out.exit_code, out.stdout, out.stderr
