"""What people look for first: who they are, the departments, users, years and tokens on
record, the id they meant, a reopened report's reason, and tables that cut nothing."""

from __future__ import annotations

import json
import re

from cli.seed_file import SEED_FILE
from tests.cli.conftest import (
    KEY,
    REVIEW_TO_SIGN_OFF,
    assert_preparer_told,
    on_administration,
    run_steps,
)


@on_administration
def imported(run):
    """The seed imported by its preparer."""
    assert run("report", "import", str(SEED_FILE), user="zhang.san").exit_code == 0


def test_whoami_names_the_caller_and_their_roles(admin, mode) -> None:
    out = admin("whoami", user="li.si")
    assert (out.exit_code, out.stdout) == (0, "li.si (li.si)\nroles: department_head@gusu-rc\n")
    data = json.loads(admin("whoami", "--json", user="wang.wu").stdout)
    assert data == {"user": "wang.wu", "name": "wang.wu", "grants": ["finance_reviewer@*"]}
    refused = admin("whoami", user=None)
    assert (refused.exit_code, refused.stderr) == (
        2,
        "error: user: missing, expected --user or JIXIAO_USER\n",
    )


def test_administrators_list_departments_users_and_years(admin) -> None:
    departments = json.loads(admin("admin", "department", "list", "--json", user="root").stdout)
    assert departments == [{"code": "gusu-rc", "name": "姑苏区红十字会", "parent": None}]
    users = json.loads(admin("admin", "user", "list", "--json", user="root").stdout)
    assert [(u["user"], u["grants"], u["tokens"]) for u in users] == [
        ("li.si", ["department_head@gusu-rc"], 1),
        ("root", ["admin@*"], 1),
        ("wang.wu", ["finance_reviewer@*"], 1),
        ("zhang.san", ["preparer@gusu-rc"], 1),
        ("zhao.liu", ["auditor@*"], 1),
    ]
    years = json.loads(admin("admin", "year", "list", "--json", user="root").stdout)
    assert [(y["year"], y["scheme"], y["deadline"]) for y in years] == [
        (2021, "default", "2022-06-30")
    ]
    table = admin("admin", "user", "list", user="root").stdout.splitlines()
    assert table[0] == "users" and table[1].split() == ["user", "name", "email", "roles", "tokens"]
    refused = admin("admin", "user", "list", user="zhang.san")
    assert (refused.exit_code, refused.stderr) == (
        1,
        "error: user zhang.san role: got preparer@gusu-rc, expected admin@* to administer\n",
    )


def test_token_ids_listed_are_the_ones_revoke_token_takes(admin) -> None:
    issued = admin("admin", "user", "token", "zhang.san", "--json", user="root")
    second = json.loads(issued.stdout)["token"].split(".")[0]
    tokens = json.loads(admin("admin", "user", "tokens", "zhang.san", "--json", user="root").stdout)
    assert [t["token_id"] for t in tokens][1] == second
    assert [(t["issued_by"], t["revoked"]) for t in tokens] == [("root", None), ("root", None)]
    assert [(t["last_used"], t["last_used_via"]) for t in tokens] == [(None, None)] * 2
    out = admin("admin", "user", "revoke-token", "zhang.san", second, user="root")
    assert out.exit_code == 0, out.stderr
    assert out.stdout == f"已记录 吊销 zhang.san 的令牌 {second}\n"
    table = admin("admin", "user", "tokens", "zhang.san", user="root").stdout.splitlines()
    assert table[1].split() == ["id", "issued", "by", "status", "last", "used"]
    assert set(table[2]) == {"-", " "}
    assert re.fullmatch(r"\S+ +\S+ \S+ UTC +root +current +never \(through the server\)", table[3])
    assert re.fullmatch(
        rf"{second} .* root +revoked \S+ \S+ UTC by root +never \(through the server\)",
        table[4],
    )
    unknown = admin("admin", "user", "tokens", "zhang.sna", user="root")
    assert (unknown.exit_code, unknown.stderr) == (
        1,
        "error: user: got 'zhang.sna', expected a registered user id\n",
    )


def test_a_mistyped_id_gets_the_nearest_one(imported, mode) -> None:
    out = imported("report", "line", "actual", *KEY, "homse", "3.2", user="zhang.san")
    assert out.exit_code == 1
    assert out.stderr.startswith("error: line 'homse': no such line in report report:gusu-rc")
    assert out.stderr.endswith("; did you mean 'homes'?\n")
    out = imported("report", "indicator", "actual", *KEY, "d007", "3 场", user="zhang.san")
    assert out.stderr == (
        "error: indicator 'd007': no such indicator in report report:gusu-rc:2021; "
        "did you mean 'd07'?\n"
    )
    out = imported("report", "line", "actual", "-d", "gusu-cr", "-y", "2021", "homes", "3",
                   user="zhang.san")  # fmt: skip
    if mode == "direct":
        assert out.stderr.endswith("(jixiao admin department add); did you mean 'gusu-rc'?\n")
    else:  # the server names no department to a caller who cannot read its reports
        assert out.stderr == (
            "error: report gusu-cr/2021: not found, expected an opened report you may read\n"
        )


def test_adjustment_ids_are_printed_and_shown(imported, mode) -> None:
    out = imported("report", "line", "adjust", *KEY, "homes", "-0.5", "--kind", "in_year",
                   "--reason", "压缩预算", user="zhang.san")  # fmt: skip
    assert out.exit_code == 0, out.stderr
    (made,) = re.findall(r"adj-\d+", out.stdout)
    assert out.stdout == (
        f"已记录 homes 预算调整 {made}（-0.5）：姑苏区红十字会 2021 年度报告（draft）\n"
    )
    shown = imported("report", "show", *KEY).stdout
    assert re.search(rf"^{made} +homes +in_year +-0\.5 +压缩预算", shown, re.MULTILINE)
    assert re.search(r"^homes +博爱家园建设 ", shown, re.MULTILINE)  # the budget table's id column
    out = imported("report", "line", "cancel-adjustment", *KEY, "homes", made, "--reason", "重复",
                   user="zhang.san")  # fmt: skip
    assert out.stdout == (
        f"已记录 撤销 homes 预算调整 {made}：姑苏区红十字会 2021 年度报告（draft）\n"
    )


def test_a_reopened_report_tells_its_preparer_why(imported, mode) -> None:
    run_steps(imported, REVIEW_TO_SIGN_OFF)
    out = imported("review", "reopen", *KEY, "--reason", "审计发现项目支出分类错误", user="wang.wu")
    assert out.stdout == (
        "已重新打开（第 2 版） 姑苏区红十字会 2021 年度报告（draft），等待填报人修改并提交\n"
    )
    assert_preparer_told(
        imported,
        "reopened by wang.wu as revision 2: 审计发现项目支出分类错误",
        "第 2 版 财政局审核人 wang.wu 重新打开：审计发现项目支出分类错误",
    )


def test_tables_piped_are_plain_and_cut_nothing(imported, mode, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")  # a narrow terminal's width: piped, it is not used
    long_comment = "请核对博爱家园建设支出与项目绩效目标是否一致，并补充偏差原因分析。" * 3
    assert imported("review", "submit", *KEY, user="zhang.san").exit_code == 0
    out = imported("review", "return", *KEY, "-m", long_comment, user="li.si")
    assert out.exit_code == 0, out.stderr
    table = imported("review", "inbox", user="zhang.san").stdout
    assert long_comment in table and "…" not in table
    assert not set("│┃━─┏┗") & set(table)
    budget = imported("report", "show", *KEY).stdout
    assert "300.09" in budget and not re.search(r"\d…", budget)
