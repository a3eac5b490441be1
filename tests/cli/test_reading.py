"""Read commands through the CLI: trail, as-of, diff, replay, inbox, lists, projections.

The tests that name ``mode`` run twice: on the database, and through a server (`--server`).
"""

from __future__ import annotations

import csv
import json

from cli.seed_file import SEED_FILE
from tests.cli.conftest import on_administration

KEY = ("-d", "gusu-rc", "-y", "2021")


@on_administration
def returned(run):
    """The seed imported, submitted, and returned by the department head about one line."""
    assert run("report", "import", str(SEED_FILE), user="zhang.san").exit_code == 0
    assert run("review", "submit", *KEY, user="zhang.san").exit_code == 0
    out = run(
        "review",
        "return",
        *KEY,
        "-m",
        "请核对博爱家园建设支出",
        "--item",
        "line:homes",
        user="li.si",
    )
    assert out.exit_code == 0, out.stderr


def test_the_trail_says_who_changed_which_figure(returned, mode) -> None:
    run = returned
    assert run("report", "line", "actual", *KEY, "homes", "3.20", user="zhang.san").exit_code == 0
    out = run("audit", "trail", *KEY, "--item", "line:homes", "--json")
    assert out.exit_code == 0, out.stderr
    entries = json.loads(out.stdout)
    last = entries[-1]
    assert (last["actor"], last["role"], last["event_type"]) == (
        "zhang.san",
        "preparer",
        "ActualSpendingRecorded",
    )
    assert (last["before_raw"], last["after_raw"]) == ("3.2", "3.20")
    by_head = json.loads(run("audit", "trail", *KEY, "--by", "li.si", "--json").stdout)
    assert [e["event_type"] for e in by_head] == ["ReportReturned"]
    assert by_head[0]["comment"] == "请核对博爱家园建设支出 [line:homes]"
    table = run("audit", "trail", *KEY, "--by", "li.si")
    assert "请核对博爱家园建设支出" in table.stdout


def test_as_of_and_diff_by_log_position(returned, mode) -> None:
    run = returned
    head = json.loads(run("audit", "verify", "--json").stdout)["head_position"]
    assert run("report", "line", "actual", *KEY, "homes", "3.3", user="zhang.san").exit_code == 0
    before = json.loads(run("audit", "as-of", *KEY, str(head), "--json").stdout)
    rows = {r["name"]: r for r in before["view"]["budget"]["rows"]}
    assert rows["博爱家园建设"]["actual"] == "3.2"
    assert before["view"]["stage"] == "draft"
    diff = json.loads(run("audit", "diff", *KEY, str(head), str(head + 1), "--json").stdout)
    paths = {c["path"]: (c["before"], c["after"]) for c in diff["changes"]}
    assert paths["budget.rows[博爱家园建设].actual"] == ("3.2", "3.3")
    assert paths["budget.rows[项目支出].actual"] == ("36.25", "36.35")
    text = run("audit", "diff", *KEY, str(head), str(head + 1))
    assert "budget.rows[博爱家园建设].actual: 3.2 → 3.3" in text.stdout


def test_as_of_before_the_report_existed_is_refused(returned, mode) -> None:
    out = returned("audit", "as-of", *KEY, "2000-01-01")
    assert out.exit_code == 1
    assert "not opened yet" in out.stderr
    bad = returned("audit", "as-of", *KEY, "yesterday")
    assert bad.exit_code == 1 and "moment: got 'yesterday'" in bad.stderr


def test_inboxes_follow_the_stage(returned, mode) -> None:
    run = returned
    preparer = json.loads(run("review", "inbox", "--json", user="zhang.san").stdout)
    assert [(i["report"], i["action"]) for i in preparer] == [
        ("report:gusu-rc:2021", preparer[0]["action"])
    ]
    assert preparer[0]["note"] == "returned by li.si: 请核对博爱家园建设支出 [line:homes]"
    assert json.loads(run("review", "inbox", "--json", user="li.si").stdout) == []
    assert run("review", "submit", *KEY, user="zhang.san").exit_code == 0
    head = json.loads(run("review", "inbox", "--json", user="li.si").stdout)
    assert [i["role"] for i in head] == ["department_head"]
    assert "nothing waits for zhang.san" in run("review", "inbox", user="zhang.san").stdout


def test_replay_writes_the_change_log(returned, tmp_path, mode) -> None:
    out = returned("audit", "replay", "2021", "-o", str(tmp_path), "--json")
    assert out.exit_code == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["chain_ok"] is True and summary["reports"] == 1
    data = json.loads((tmp_path / "changes-2021.json").read_text(encoding="utf-8"))
    assert len(data["changes"]) == summary["changes"] > 100
    raw = (tmp_path / "changes-2021.csv").read_bytes()
    # A byte-order mark, so that Excel on a Chinese Windows reads UTF-8, and CRLF lines.
    assert raw.startswith(b"\xef\xbb\xbfposition,") and b"\r\n" in raw
    with (tmp_path / "changes-2021.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == summary["changes"]
    assert rows[-1]["event_type"] == "ReportReturned"


def test_lists_overview_and_projection_commands(returned) -> None:
    run = returned
    reports = json.loads(run("report", "list", "-y", "2021", "--json").stdout)
    assert [(r["department"], r["stage"], r["total"]) for r in reports] == [
        ("gusu-rc", "draft", "279.08")
    ]
    assert "279.08" in run("report", "list", "-y", "2021").stdout
    assert "姑苏区红十字会" in run("report", "overview", "2021").stdout
    overview = json.loads(run("report", "overview", "2021", "--json").stdout)
    assert [(o["department"], o["stage"]) for o in overview] == [("gusu-rc", "draft")]
    status = json.loads(run("projections", "status", "--json").stdout)
    assert {s["name"] for s in status} >= {"report_state", "audit_trail"}
    assert all(s["lag"] == 0 for s in status)
    rebuilt = json.loads(run("projections", "rebuild", "--json").stdout)
    assert rebuilt["events"] == status[0]["head"]
    after = json.loads(run("report", "show", *KEY, "--json").stdout)
    assert after["budget"]["adjustment_rate"] == "7.6"
    shared = json.loads(run("projections", "rebuild", "--workers", "2", "--json").stdout)
    assert (shared["events"], shared["workers"]) == (status[0]["head"], 2)
    assert json.loads(run("report", "show", *KEY, "--json").stdout) == after
    assert "(2 processes)" in run("projections", "rebuild", "--workers", "2").stdout
