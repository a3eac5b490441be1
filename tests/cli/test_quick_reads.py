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
from cli.seed_file import PROJECT_FILE, SEED_FILE
from tests.cli.conftest import KEY, Invoke, on_administration

#: Every read with a quick path, with arguments that reach each of its answers and refusals.
READS = [
    ("report", "show", *KEY),
    ("report", "show", *KEY, "--json"),
    ("report", "show", *KEY, "--revision", "2"),
    ("report", "show", "-d", "no-such", "-y", "2021"),
    ("report", "show", "-d", "BAD CODE", "-y", "2021"),
    ("report", "show", *KEY, "-p", "homes", "--json"),
    ("report", "show", *KEY, "-p", "no-such"),
    ("report", "show", *KEY, "-p", "BAD CODE"),
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
    ("audit", "trail", *KEY, "-p", "homes", "--json"),
    ("audit", "trail", *KEY, "-p", "no-such"),
    ("audit", "trail", *KEY, "--item", "line:publicty"),
    ("audit", "trail", "-d", "no-such", "-y", "2021"),
    ("projections", "status"),
]
#: Who reads: the department's preparer and head, the finance reviewer (the report is a
#: draft: not theirs to read), the auditor, and a wrong token.
USERS = ["zhang.san", "li.si", "wang.wu", "zhao.liu", "wrong-token"]


@on_administration
def caught_up(run):
    """The seed report and its 项目支出 report imported, and the read models brought to the
    log's head by a read."""
    for path in (SEED_FILE, PROJECT_FILE):
        assert run("report", "import", str(path), user="zhang.san").exit_code == 0
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


@contextmanager
def quick_path_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Within the ``with``, a read that opens the SQL store fails the test."""

    def no_store(*args: object, **kwargs: object) -> None:
        raise AssertionError("a read at the head of the log opened the SQL store")

    with monkeypatch.context() as patch:
        patch.setattr(cli.context, "open_store", no_store)
        patch.setattr(cli.projections_cmd, "open_store", no_store)
        yield


@pytest.mark.parametrize("user", USERS)
def test_a_quick_read_says_what_the_full_path_says(caught_up: Invoke, user, monkeypatch) -> None:
    _same_both_ways(caught_up, READS, user, monkeypatch)


#: Reads of the log itself: through the driver when it opens the database, else the store.
LOG_READS = [
    ("report", "export", *KEY),
    ("audit", "as-of", *KEY, "20"),
    ("audit", "as-of", *KEY, "--json", "2020-01-01"),
    ("audit", "diff", *KEY, "10", "30"),
    ("audit", "diff", *KEY, "30", "10"),
    ("audit", "diff", *KEY, "10", "9999"),
    ("audit", "as-of", "-d", "no-such", "-y", "2021", "5"),
    ("report", "export", *KEY, "-p", "homes"),
    ("audit", "as-of", *KEY, "-p", "homes", "--json", "9999"),
    ("audit", "diff", *KEY, "-p", "homes", "1", "9999"),
]


@pytest.mark.parametrize("user", USERS)
def test_a_read_of_the_log_says_the_same_through_the_driver(
    caught_up: Invoke, user, monkeypatch
) -> None:
    _same_both_ways(caught_up, LOG_READS, user, monkeypatch)


#: The walks of the whole log (decision 0209): `audit verify` folds the read models in
#: memory through the driver, where the full path folds them into a scratch database.
WALKS = [
    ("audit", "verify"),
    ("audit", "verify", "--json"),
    ("audit", "verify", "--chain-only", "--json"),
    ("audit", "verify", "--expect", "1:" + "0" * 64),
    ("audit", "verify", "--expect", "99999:" + "0" * 64, "--json"),
    ("audit", "verify", "--expect", "nonsense"),
    ("audit", "replay", "2030", "-o", "{out}"),
]


@pytest.mark.parametrize("user", ["zhang.san", "zhao.liu", "wrong-token"])
def test_a_walk_of_the_log_says_the_same_through_the_driver(
    caught_up: Invoke, user, monkeypatch, tmp_path
) -> None:
    walks = [tuple(a.replace("{out}", str(tmp_path)) for a in argv) for argv in WALKS]
    _same_both_ways(caught_up, walks, user, monkeypatch)


def test_a_replay_writes_the_same_files_through_the_driver(
    caught_up: Invoke, monkeypatch, tmp_path
) -> None:
    # The change log of the year, byte for byte, and what the command says.
    written = {}
    for path, only in (("quick", quick_path_only), ("full", full_path_only)):
        out = tmp_path / path
        argv = ("audit", "replay", "2021", "-o", str(out))
        with only(monkeypatch):
            outcome = _outcome(caught_up, argv, "zhao.liu", caught_up.tokens["zhao.liu"])
        assert outcome[0] == 0, outcome
        files = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
        written[path] = (outcome[0], outcome[1].replace(str(out), "OUT"), outcome[2], files)
    assert set(written["quick"][3]) == {"changes-2021.json", "changes-2021.csv"}
    assert written["quick"] == written["full"]


@pytest.mark.postgres
def test_quick_reads_on_postgresql(jixiao: Invoke, pg_url: str, monkeypatch) -> None:
    from tests.cli.test_postgres_deployment import close_stores, init, set_up

    init(jixiao, pg_url)
    try:
        set_up(jixiao, pg_url)
        for path in (SEED_FILE, PROJECT_FILE):
            out = jixiao("--db", pg_url, "report", "import", str(path), user="zhang.san")
            assert out.exit_code == 0, out.stderr
        assert jixiao("--db", pg_url, "report", "list").exit_code == 0  # catches up
        for argv in [*READS, *LOG_READS, *WALKS[:-1]]:
            with quick_path_only(monkeypatch):
                quick = _outcome(
                    jixiao, ("--db", pg_url, *argv), "zhao.liu", jixiao.tokens["zhao.liu"]
                )
            with full_path_only(monkeypatch):
                full = _outcome(
                    jixiao, ("--db", pg_url, *argv), "zhao.liu", jixiao.tokens["zhao.liu"]
                )
            assert quick == full, argv
    finally:
        close_stores(pg_url)


def test_a_read_after_a_command_shows_it(caught_up: Invoke) -> None:
    # The command leaves the read models behind the log: the next read must catch up
    # rather than answer from them as they were.
    assert caught_up("review", "submit", *KEY, user="zhang.san").exit_code == 0
    listed = json.loads(caught_up("report", "list", "--json").stdout)
    assert [(r["project"], r["stage"]) for r in listed] == [(None, "submitted"), ("homes", "draft")]
    returned = caught_up("review", "return", *KEY, "--comment", "补充说明", user="li.si")
    assert returned.exit_code == 0, returned.stderr
    view = json.loads(caught_up("report", "show", *KEY, "--json", user="wang.wu").stdout)
    assert view["stage"] == "draft"
    inbox = caught_up("review", "inbox", "--json", user="zhang.san")
    waiting = {(i["project"], i["action"]) for i in json.loads(inbox.stdout)}
    assert waiting == {(None, "submit"), ("homes", "submit")}


def test_a_quick_read_checks_the_token_of_every_caller(caught_up: Invoke) -> None:
    caught_up.tokens["zhao.liu"] = caught_up.tokens["zhao.liu"][:-1] + "x"
    out = caught_up("report", "show", *KEY)
    assert (out.exit_code, out.stdout) == (1, "")
    assert out.stderr == (
        "error: user 'zhao.liu': unknown user or token, expected a current token issued "
        "to this user\n"
    )


def _same_both_ways(run: Invoke, reads, user: str, monkeypatch) -> None:
    """Each of ``reads`` as ``user`` (``wrong-token``: the auditor with a wrong token) gives
    the same exit code, stdout and stderr without opening the SQL store as through it."""
    token = run.tokens.get(user, run.tokens["zhao.liu"][:-4] + "AAAA")
    caller = "zhao.liu" if user == "wrong-token" else user
    for argv in reads:
        with quick_path_only(monkeypatch):
            quick = _outcome(run, argv, caller, token)
        with full_path_only(monkeypatch):
            full = _outcome(run, argv, caller, token)
        assert quick == full, argv


def _outcome(run: Invoke, argv, user: str, token: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `jixiao ARGV…` as ``user`` presenting ``token``."""
    kept = run.tokens.get(user)
    run.tokens[user] = token
    try:
        out = run(*argv, user=user)
    finally:
        run.tokens[user] = kept
    return out.exit_code, out.stdout, out.stderr
