"""The CLI as a client of a real server (`--server URL`): the same outputs as on the database,
the server's refusals and the read rule, administration refused, no database opened."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli.seed_file import SEED_FILE
from tests.cli.conftest import KEY, REVIEW_TO_SIGN_OFF, Invoke, run_cli, run_steps
from tests.cli.test_reading import returned  # noqa: F401  (the fixture)
from tests.cli.test_rendering_commands import signed_off  # noqa: F401  (the fixture)
from tests.served import free_port

WRONG_TOKEN = "0000.not-the-token"


def pair(run: Invoke) -> tuple[Invoke, Invoke]:
    """``run`` on the database, and a twin going through a server over the same database."""
    served = Invoke(run.db, run.tokens)
    served.through_server()
    return run, served


@pytest.fixture
def both(returned: Invoke) -> tuple[Invoke, Invoke]:  # noqa: F811
    """The returned seed report, read on the database and through a server; its read models
    caught up, as the server's first read would do (`audit verify` names their positions)."""
    direct, served = pair(returned)
    assert direct("report", "show", *KEY).exit_code == 0
    yield direct, served
    served.close()


READS = [
    (("report", "show", *KEY, "--json"), None),
    (("report", "show", *KEY), None),
    (("report", "show", *KEY, "--revision", "1", "--json"), "li.si"),
    (("report", "export", *KEY), "zhang.san"),
    (("report", "list", "-y", "2021", "--json"), None),
    (("report", "list", "--stage", "draft"), "wang.wu"),
    (("report", "overview", "2021", "--json"), None),
    (("report", "overview", "2021"), "li.si"),
    (("audit", "trail", *KEY, "--json"), None),
    (("audit", "trail", *KEY, "--item", "line:homes"), "zhang.san"),
    (("audit", "trail", "-y", "2021", "--by", "li.si", "--json"), "wang.wu"),
    (("audit", "as-of", *KEY, "140", "--json"), None),
    (("audit", "as-of", *KEY, "140"), "li.si"),
    (("audit", "diff", *KEY, "130", "148", "--json"), None),
    (("audit", "diff", *KEY, "130", "148"), "zhang.san"),
    (("audit", "verify", "--json"), None),
    (("audit", "verify", "--chain-only"), "zhang.san"),
]


@pytest.mark.parametrize(("args", "user"), READS, ids=[" ".join(a[:2]) for a, _ in READS])
def test_reads_through_the_server_print_what_direct_reads_print(both, args, user) -> None:
    direct, served = both
    who = {} if user is None else {"user": user}
    here, there = direct(*args, **who), served(*args, **who)
    assert (here.exit_code, here.stderr) == (0, ""), here.stderr
    assert (there.exit_code, there.stdout, there.stderr) == (0, here.stdout, "")


def test_inboxes_through_the_server_match_but_for_the_time_waited(both) -> None:
    direct, served = both
    for user in ("zhang.san", "li.si", "wang.wu"):
        here = json.loads(direct("review", "inbox", "--json", user=user).stdout)
        there = json.loads(served("review", "inbox", "--json", user=user).stdout)
        for item in (*here, *there):
            assert isinstance(item.pop("waited"), float)
        assert there == here


def test_the_year_replay_through_the_server_writes_the_same_files(both, tmp_path: Path) -> None:
    direct, served = both
    outcomes = {}
    for name, run in (("direct", direct), ("server", served)):
        out = run("audit", "replay", "2021", "-o", str(tmp_path / name))
        assert out.exit_code == 0, out.stderr
        outcomes[name] = out.stdout.replace(str(tmp_path / name), "OUT")
    assert outcomes["server"] == outcomes["direct"]
    for file in ("changes-2021.json", "changes-2021.csv"):
        assert (tmp_path / "server" / file).read_bytes() == (
            tmp_path / "direct" / file
        ).read_bytes()
    refused = served("audit", "replay", "2021", "-o", str(tmp_path / "x"), user="zhang.san")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "error: user zhang.san role: got preparer@gusu-rc, expected auditor@* or admin@* to "
        "replay a year\n"
    )


def test_verify_checks_anchors_through_the_server(both) -> None:
    direct, served = both
    head = json.loads(direct("audit", "verify", "--json").stdout)
    anchor = f"{head['head_position']}:{head['head_hash']}"
    out = served("audit", "verify", "--chain-only", "--expect", anchor)
    assert out.exit_code == 0, out.stderr
    assert out.stdout.endswith(f"anchors held: {head['head_position']}\n")
    wrong = f"{head['head_position']}:{'0' * 64}"
    out = served("audit", "verify", "--chain-only", "--expect", wrong, "--json")
    assert out.exit_code == 1
    assert json.loads(out.stdout)["anchor_problems"] == [
        f"anchor {head['head_position']}: got hash {head['head_hash']}, expected {'0' * 64} "
        "(the log was rewritten from there on, or the anchor is from another log)"
    ]


def test_a_bad_token_is_refused_on_reads_as_well(both) -> None:
    _, served = both
    served.tokens["zhang.san"] = WRONG_TOKEN
    refusal = (
        "error: user 'zhang.san': unknown user or token, expected a current token issued to "
        "this user\n"
    )
    for args in (
        ("report", "show", *KEY),
        ("report", "list"),
        ("review", "inbox"),
        ("audit", "trail", *KEY),
        ("audit", "verify"),
    ):
        out = served(*args, user="zhang.san")
        assert (out.exit_code, out.stdout, out.stderr) == (1, "", refusal), args
    # Failed tokens count towards the server's throttle, from the CLI as from the pages.
    out = served("report", "line", "actual", *KEY, "homes", "3.3", user="zhang.san")
    assert (out.exit_code, out.stdout) == (1, "")
    assert out.stderr == (
        "error: user 'zhang.san': 5 failed sign-ins in the last 15 minutes, expected fewer "
        "than 5; try again later\n"
    )


def test_another_departments_report_is_not_found_through_the_server(both) -> None:
    direct, served = both
    for step in (
        ("admin", "department", "add", "other-dept", "另一部门"),
        ("admin", "user", "add", "sun.qi", "孙七"),
        ("admin", "user", "grant", "sun.qi", "preparer", "other-dept"),
    ):
        assert direct(*step, user="root").exit_code == 0, step
    issued = direct("admin", "user", "token", "sun.qi", "--json", user="root")
    served.tokens["sun.qi"] = json.loads(issued.stdout)["token"]
    not_found = "error: report gusu-rc/2021: not found, expected an opened report you may read\n"
    for args in (
        ("report", "show", *KEY),
        ("report", "export", *KEY),
        ("audit", "trail", *KEY),
        ("review", "approve", *KEY),
    ):
        out = served(*args, user="sun.qi")
        assert (out.exit_code, out.stderr) == (1, not_found), args
    listed = json.loads(served("report", "list", "--json", user="sun.qi").stdout)
    assert listed == []


def test_an_import_through_the_server_records_the_seed(admin) -> None:
    direct, served = pair(admin)
    try:
        check = served("report", "import", str(SEED_FILE), "--check", user="zhang.san")
        assert check.exit_code == 0, check.stderr
        assert check.stdout == f"{SEED_FILE}: no problems; 128 commands would be recorded\n"
        assert direct("report", "show", *KEY).exit_code == 1  # nothing recorded
        out = served("report", "import", str(SEED_FILE), "--json", user="zhang.san")
        assert out.exit_code == 0, out.stderr
        summary = json.loads(out.stdout)
        assert (summary["recorded"], summary["version"]) == (128, 128)
        run_steps(served, REVIEW_TO_SIGN_OFF)
        view = json.loads(direct("report", "show", *KEY, "--json").stdout)
        assert view["stage"] == "signed_off"
        again = served("report", "import", str(SEED_FILE), user="zhang.san")
        assert again.exit_code == 1
        assert again.stderr.startswith(f"error: {SEED_FILE} rejected, nothing recorded")
    finally:
        served.close()


def test_check_as_json_lists_the_same_problems_through_the_server(admin, tmp_path) -> None:
    text = SEED_FILE.read_text(encoding="utf-8").replace("actual: 100%\n", "actual: 100&\n", 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    direct, served = pair(admin)
    try:
        here = direct("report", "import", str(bad), "--check", "--json", user="zhang.san")
        there = served("report", "import", str(bad), "--check", "--json", user="zhang.san")
    finally:
        served.close()
    assert (here.exit_code, there.exit_code) == (1, 1)
    assert there.stdout == here.stdout
    assert json.loads(there.stdout)["problems"][0].endswith("did you mean '100%'?")
    assert (
        there.stderr
        == here.stderr
        == (f"error: {bad}: 1 problem (listed in the JSON), expected none\n")
    )


def test_an_artifact_moved_with_its_rendering_is_proved_through_the_server(
    signed_off,  # noqa: F811
    tmp_path: Path,
) -> None:
    direct, served = pair(signed_off)
    rendered_to = tmp_path / "rendered"
    out = direct("worker", "render-pending", "--out", str(rendered_to), "--json")
    assert out.exit_code == 0, out.stderr
    published = tmp_path / "published"
    shutil.move(rendered_to, published)  # the worker's files are no longer where it wrote them
    (pdf,) = published.glob("*.pdf")
    try:
        here = direct("audit", "artifact", str(pdf), "--json")
        there = served("audit", "artifact", str(pdf), "--json")
        (html,) = published.glob("*.html")
        html.unlink()
        missing = served("audit", "artifact", str(pdf))
    finally:
        served.close()
    assert here.exit_code == there.exit_code == 0, (here.stderr, there.stderr)
    assert json.loads(there.stdout) == json.loads(here.stdout)
    assert all(
        c["checked_path"].startswith(str(published)) for c in json.loads(there.stdout)["checks"]
    )
    assert missing.exit_code == 0, missing.stderr
    assert f"not found (looked at {rendered_to / html.name} and {html})" in missing.stdout


@pytest.mark.parametrize("noun", ["admin", "projections", "worker", "serve", "demo"])
def test_administration_is_refused_with_a_server(noun: str) -> None:
    out = run_cli(["--server", "http://127.0.0.1:8000", noun, "--help"])
    assert (out.exit_code, out.stdout) == (1, "")
    assert out.stderr == (
        f"error: {noun}: runs on the server's machine, with --db; got --server "
        "http://127.0.0.1:8000\n"
    )


def test_a_server_that_is_not_there_is_one_line(admin) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    out = run_cli(
        ["--server", url, "report", "show", *KEY],
        {"JIXIAO_USER": "zhao.liu", "JIXIAO_TOKEN": admin.tokens["zhao.liu"]},
    )
    assert (out.exit_code, out.stdout) == (1, "")
    assert out.stderr.startswith(f"error: server: got '{url}', could not connect (")
    assert out.stderr.endswith("); expected a running jixiao serve\n")
    assert out.stderr.count("\n") == 1


def test_a_server_url_that_is_not_one_is_refused(admin) -> None:
    out = run_cli(
        ["--server", "jixiao.example.gov.cn", "review", "inbox"],
        {"JIXIAO_USER": "zhao.liu", "JIXIAO_TOKEN": admin.tokens["zhao.liu"]},
    )
    assert (out.exit_code, out.stderr) == (
        1,
        "error: --server: got 'jixiao.example.gov.cn', expected the URL of a jixiao server, "
        "such as https://jixiao.example.gov.cn or http://127.0.0.1:8000\n",
    )


def test_a_server_that_answers_otherwise_is_one_line(both) -> None:
    _, served = both
    elsewhere = f"{served.server}/static"
    out = run_cli(
        ["--server", elsewhere, "report", "show", *KEY],
        {"JIXIAO_USER": "zhao.liu", "JIXIAO_TOKEN": served.tokens["zhao.liu"]},
    )
    assert (out.exit_code, out.stdout) == (1, "")
    assert out.stderr == (
        f"error: server: got 404 Not Found from {elsewhere}/api/v1/reports/gusu-rc/2021, "
        "expected an answer of the jixiao API (is it a jixiao serve?)\n"
    )


def test_with_a_server_no_database_is_opened(both, tmp_path: Path) -> None:
    _, served = both
    nowhere = f"sqlite:///{tmp_path / 'no' / 'such.db'}"
    out = run_cli(
        ["--db", nowhere, "--server", served.server, "report", "show", *KEY, "--json"],
        {"JIXIAO_USER": "zhao.liu", "JIXIAO_TOKEN": served.tokens["zhao.liu"]},
    )
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["budget"]["adjustment_rate"] == "7.6"
    assert not (tmp_path / "no").exists()


def test_the_last_use_of_a_token_through_the_server_is_listed(both) -> None:
    direct, served = both
    token_id = direct.tokens["li.si"].partition(".")[0]
    before = json.loads(direct("admin", "user", "tokens", "li.si", "--json", user="root").stdout)
    assert [t["last_used"] for t in before if t["token_id"] == token_id] == [None]
    assert served("review", "inbox", user="li.si").exit_code == 0
    after = json.loads(direct("admin", "user", "tokens", "li.si", "--json", user="root").stdout)
    (used,) = [t for t in after if t["token_id"] == token_id]
    assert used["last_used_via"] == "api" and used["last_used"] is not None
    table = direct("admin", "user", "tokens", "li.si", user="root").stdout
    assert "UTC (api)" in table
