"""Every role's commands through the CLI runner: output, exit codes and one-line rejections.

The tests that name ``mode`` run twice: on the database, and through a server (`--server`),
with the same outputs expected.
"""

from __future__ import annotations

import json

import pytest
import yaml

from cli.seed_file import SEED_FILE
from tests.cli.conftest import assert_preparer_told, on_administration

KEY = ("-d", "gusu-rc", "-y", "2021")
SEED_NOTICE = (
    "section 1.3 figure 接收社会捐赠款物 156.86 万元 differs from indicator d07 爱心款物募集 "
    "actual 156 万元"
)


@on_administration
def imported(run):
    out = run("report", "import", str(SEED_FILE), user="zhang.san")
    assert out.exit_code == 0, out.stderr
    assert out.stdout == (
        "已新建 姑苏区红十字会 2021 年度报告（draft），记录 127 项内容，等待填报人修改并提交\n"
    )


def test_show_gives_every_computed_figure_as_json(imported, mode) -> None:
    out = imported("report", "show", *KEY, "--json")
    assert out.exit_code == 0
    view = json.loads(out.stdout)
    rows = {r["name"]: r for r in view["budget"]["rows"]}
    assert (rows["预算资金总额"]["total"], rows["预算资金总额"]["execution_rate"]) == (
        "279.08",
        "100.0",
    )
    assert rows["人道爱心任务"]["total"] == "7.8"
    assert view["budget"]["adjustment_rate"] == "7.6"
    statuses = {i["name"]: i["status"] for i in view["indicators"]}
    assert statuses["预算调整率"] == "missed"
    assert statuses["遗体（器官）捐献登记"] == "overshot"
    assert [
        (n["section"], n["figure_raw"], n["indicator"], n["actual_raw"]) for n in view["notices"]
    ] == [("1.3", "156.86 万元", "d07", "156 万元")]


def test_show_prints_tables_for_people(imported, mode) -> None:
    out = imported("report", "show", *KEY)
    assert out.exit_code == 0
    assert "stage draft · 预算调整率 7.6%" in out.stdout
    assert "279.08" in out.stdout and "本年度预算资金" in out.stdout
    assert out.stdout.endswith(f"notice: {SEED_NOTICE}\n")


def test_export_gives_back_the_imported_file(imported, tmp_path, mode) -> None:
    target = tmp_path / "out.yaml"
    out = imported("report", "export", *KEY, "-o", str(target))
    assert out.exit_code == 0, out.stderr
    bundled = SEED_FILE.read_text(encoding="utf-8")
    body = "".join(line for line in bundled.splitlines(keepends=True) if not line.startswith("#"))
    assert target.read_text(encoding="utf-8") == body
    as_json = tmp_path / "out.json"
    assert imported("report", "export", *KEY, "-o", str(as_json)).exit_code == 0
    assert (
        json.loads(as_json.read_text(encoding="utf-8"))["budget"]["lines"][0]["initial"] == "300.09"
    )


def test_a_submission_with_a_notice_goes_through_and_says_so(imported, mode) -> None:
    out = imported("review", "submit", *KEY, user="zhang.san")
    assert out.exit_code == 0, out.stderr
    assert out.stdout == "已提交 姑苏区红十字会 2021 年度报告（submitted），等待部门负责人审核\n"
    assert out.stderr == f"notice: {SEED_NOTICE}\n"
    out = imported("review", "return", *KEY, "-m", "请核对捐赠款物金额", "--item", "indicator:d07",
                   user="li.si")  # fmt: skip
    assert out.exit_code == 0, out.stderr
    out = imported(
        "report", "indicator", "actual", *KEY, "d07", "156.86 万元", "--reason", "超额完成",
        user="zhang.san",
    )  # fmt: skip
    assert out.exit_code == 0, out.stderr
    out = imported("review", "submit", *KEY, "--json", user="zhang.san")
    assert out.exit_code == 0, out.stderr
    summary = json.loads(out.stdout)
    assert (summary["events"], summary["notices"]) == (["ReportSubmitted"], [])
    assert out.stderr == ""
    view = json.loads(imported("report", "show", *KEY, "--json").stdout)
    assert (view["stage"], view["notices"]) == ("submitted", [])


def test_the_review_flow_with_a_return(imported, mode) -> None:
    run = imported
    assert run("review", "submit", *KEY, user="zhang.san").exit_code == 0
    out = run(
        "review", "return", *KEY, "-m", "请注明调整依据", "--item", "line:homes", user="li.si"
    )
    assert out.exit_code == 0, out.stderr
    assert out.stdout == (
        "部门负责人 li.si 已退回 姑苏区红十字会 2021 年度报告（draft），等待填报人修改并提交\n"
    )
    # The preparer sees why, and what the comment is pinned to: inbox, show, comments.
    assert_preparer_told(
        run,
        "returned by li.si: 请注明调整依据 [line:homes]",
        "第 1 版 部门负责人 li.si 退回：请注明调整依据 [line:homes]",
    )
    comments = run("review", "comments", *KEY, "--json", user="zhang.san")
    assert [(c["kind"], c["items"], c["open"]) for c in json.loads(comments.stdout)] == [
        ("return", ["line:homes"], True)
    ]
    steps = [
        (("report", "line", "actual", *KEY, "homes", "3.2"), "zhang.san"),
        (("review", "submit", *KEY), "zhang.san"),
        (("review", "approve", *KEY, "-m", "同意"), "li.si"),
        (("review", "approve", *KEY), "wang.wu"),
        (("review", "sign-off", *KEY), "li.si"),
    ]
    for args, user in steps:
        out = run(*args, user=user)
        assert out.exit_code == 0, (args, out.stderr)
    out = run("review", "sign-off", *KEY, user="wang.wu")
    assert out.exit_code == 0, out.stderr
    # No worker runs beside the test: the rendering is queued, and the line says how.
    assert out.stdout == (
        "会签完成 姑苏区红十字会 2021 年度报告（signed_off），等待生成报告文件\n"
        "已排队生成报告文件，但没有发现运行中的工作进程（no worker running）："
        "启动一个 `jixiao worker start`，或在本机生成 `jixiao worker render-pending`\n"
    )
    trail = json.loads(run("audit", "trail", *KEY, "--json").stdout)
    assert [e["event_type"] for e in trail[-2:]] == ["SignOffRecorded", "ReportSignedOff"]
    view = json.loads(run("report", "show", *KEY, "--json").stdout)
    assert view["stage"] == "signed_off"
    assert [r["comment"] for r in view["returns"]] == ["请注明调整依据"]
    table = run("review", "comments", *KEY).stdout
    assert table.splitlines()[3].split() == [
        "1", "return", "li.si", "department_head", "请注明调整依据", "line:homes", "resolved"
    ]  # fmt: skip


def test_editing_a_report_line_by_line(admin, mode) -> None:
    run = admin
    steps = [
        ("report", "open", *KEY),
        ("report", "line", "add", *KEY, "total", "预算资金总额"),
        ("report", "line", "initial", *KEY, "total", "300.09"),
        (
            "report",
            "line",
            "adjust",
            *KEY,
            "total",
            "-22.81",
            "--kind",
            "in_year",
            "--reason",
            "压缩预算",
        ),
        ("report", "line", "actual", *KEY, "total", "279.08"),
        (
            "report",
            "indicator",
            "add",
            *KEY,
            "m03",
            "--category",
            "部门管理",
            "--name",
            "预算调整率",
            "--target",
            "0%",
            "--lower-is-better",
        ),
        ("report", "indicator", "actual", *KEY, "m03", "7.6%", "--reason", "压缩预算"),
        ("report", "net-assets", *KEY, "24904.73", "--unit", "元", "--as-of", "2021-12-31"),
        (
            "report",
            "staffing",
            *KEY,
            "--establishment",
            "4",
            "--in-post",
            "正科=1",
            "--in-post",
            "科员=2",
        ),
        ("report", "functions", *KEY, "宣传贯彻红十字会法", "开展备灾救灾工作"),
        (
            "report",
            "narrative",
            *KEY,
            "3.1",
            "--text",
            "收支矛盾较大",
            "--figure",
            "donations=接收社会捐赠款物=156.86 万元",
        ),
    ]
    for step in steps:
        out = run(*step, user="zhang.san")
        assert out.exit_code == 0, (step, out.stderr)
    view = json.loads(run("report", "show", *KEY, "--json").stdout)
    (row,) = view["budget"]["rows"]
    assert (row["initial"], row["adjustments"], row["total"], row["actual"]) == (
        "300.09",
        "-22.81",
        "277.28",
        "279.08",
    )
    assert view["indicators"][0]["status"] == "missed"
    assert view["staffing"]["in_post_total"] == 3
    assert view["sections"][0]["figures"][0]["value"] == "156.86"


@pytest.mark.parametrize(
    ("args", "user", "code", "message"),
    [
        (("review", "approve", *KEY), "zhang.san", 1, "error: "),
        (
            ("report", "line", "initial", *KEY, "publicity", "十二点五"),
            "zhang.san",
            1,
            "'十二点五'",
        ),
        (
            ("report", "indicator", "actual", *KEY, "b04", "100&"),
            "zhang.san",
            1,
            "did you mean '100%'?",
        ),
        (
            (
                "report",
                "line",
                "adjust",
                *KEY,
                "nowhere",
                "1",
                "--kind",
                "in_year",
                "--reason",
                "x",
            ),
            "zhang.san",
            1,
            "nowhere",
        ),
        (
            ("report", "staffing", *KEY, "--establishment", "4", "--in-post", "科员"),
            "zhang.san",
            1,
            "--in-post: got '科员', expected RANK=COUNT",
        ),
        (
            ("admin", "year", "open", "2022", "--deadline", "next june"),
            "root",
            1,
            "deadline: got 'next june', expected a date YYYY-MM-DD",
        ),
        (
            ("admin", "year", "open", "2022", "--deadline", "2023-06-30", "--scheme", "martian"),
            "root",
            1,
            "scheme: got 'martian', expected one of",
        ),
        (
            ("admin", "department", "add", "Bad Code", "x"),
            "root",
            1,
            "department code: got 'Bad Code'",
        ),
        (
            ("report", "show", "-d", "nobody", "-y", "2021"),
            "zhao.liu",
            1,
            "report nobody/2021: not found",
        ),
        (
            ("report", "line", "rename", *KEY, "it", "基本支出"),
            "zhang.san",
            1,
            "line it name: got '基本支出', expected a name no other line has",
        ),
        (
            ("report", "line", "remove", *KEY, "project", "--reason", "录入错误"),
            "zhang.san",
            1,
            "expected a line without child lines; remove its children first: publicity",
        ),
        (
            ("report", "line", "remove", *KEY, "homes", "--reason", "录入错误"),
            "zhang.san",
            1,
            "point them at another line first (jixiao report indicator line) or remove them: "
            "d11 新建博爱家园数量, d12 开展博爱家园项目",
        ),
        (
            ("report", "indicator", "line", *KEY, "d11", "homes"),
            "zhang.san",
            1,
            "indicator 新建博爱家园数量 budget_line: got 'homes', expected a line other than the "
            "one it already measures (homes 博爱家园建设)",
        ),
        (
            ("report", "indicator", "line", *KEY, "d11", "travel"),
            "zhang.san",
            1,
            "line 'travel': no such line in report report:gusu-rc:2021",
        ),
        (
            ("report", "indicator", "line", *KEY, "d11", "homes", "--detach"),
            "zhang.san",
            2,
            "line: got 'homes' and --detach, expected one of them",
        ),
        (
            ("report", "indicator", "line", *KEY, "d11"),
            "zhang.san",
            2,
            "line: missing, expected a LINE id or --detach",
        ),
        (
            ("report", "indicator", "line", *KEY, "d11", "volunteers"),
            "li.si",
            1,
            "expected 填报人（preparer） to 设置指标对应的预算项目（SetIndicatorLine）",
        ),
        (
            ("report", "line", "remove", *KEY, "capacity", "--reason", "录入错误"),
            "li.si",
            1,
            "expected 填报人（preparer） to 删除预算项目（RemoveBudgetLine）",
        ),
    ],
)
def test_rejections_are_one_line_and_record_nothing(
    imported, args, user, code, message, mode
) -> None:
    before = json.loads(imported("audit", "verify", "--json").stdout)["head_position"]
    out = imported(*args, user=user)
    assert out.exit_code == code, (out.stdout, out.stderr)
    assert message in out.stderr
    assert out.stderr.startswith("error: ")
    assert out.stderr.count("\n") == 1
    assert json.loads(imported("audit", "verify", "--json").stdout)["head_position"] == before


def test_renaming_and_removing_lines(imported, mode) -> None:
    run = imported
    out = run(
        "report", "line", "rename", *KEY, "volunteers", "志愿队伍建设", "--reason", "与指标表一致",
        user="zhang.san",
    )  # fmt: skip
    assert out.exit_code == 0, out.stderr
    assert out.stdout == (
        "已记录 预算项目 volunteers 更名为 志愿队伍建设：姑苏区红十字会 2021 年度报告（draft）\n"
    )
    out = run(
        "report", "line", "remove", *KEY, "capacity", "--reason", "并入基本支出", "--json",
        user="zhang.san",
    )  # fmt: skip
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["events"] == ["BudgetLineRemoved"]

    view = json.loads(run("report", "show", *KEY, "--json").stdout)
    rows = {r["id"]: r for r in view["budget"]["rows"]}
    assert "capacity" not in rows and rows["volunteers"]["name"] == "志愿队伍建设"
    assert (rows["project"]["initial"], rows["project"]["actual"]) == ("38.5", "35.5")
    assert (rows["total"]["total"], rows["total"]["execution_rate"]) == ("278.33", "100.0")
    trail = json.loads(run("audit", "trail", *KEY, "--item", "line:capacity", "--json").stdout)
    assert (trail[-1]["event_type"], trail[-1]["field"], trail[-1]["comment"]) == (
        "BudgetLineRemoved",
        "removed",
        "并入基本支出",
    )
    # The report file is the report as it is now: the removed line out, the new name in.
    lines = yaml.safe_load(run("report", "export", *KEY).stdout)["budget"]["lines"]
    names = {line["id"]: line["name"] for line in lines}
    assert "capacity" not in names and names["volunteers"] == "志愿队伍建设" and len(names) == 11


def test_pointing_indicators_elsewhere_frees_their_line_for_removal(imported, mode) -> None:
    run = imported
    out = run(
        "report", "indicator", "line", *KEY, "d11", "volunteers", "--reason", "项目合并",
        user="zhang.san",
    )  # fmt: skip
    assert out.exit_code == 0, out.stderr
    assert out.stdout == (
        "已记录 绩效指标 d11 对应预算项目 volunteers：姑苏区红十字会 2021 年度报告（draft）\n"
    )
    out = run("report", "indicator", "line", *KEY, "d12", "--detach", "--json", user="zhang.san")
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["events"] == ["IndicatorLineSet"]
    out = run("report", "line", "remove", *KEY, "homes", "--reason", "项目合并", user="zhang.san")
    assert out.exit_code == 0, out.stderr

    view = json.loads(run("report", "show", *KEY, "--json").stdout)
    lines = {i["id"]: i["budget_line"] for i in view["indicators"]}
    assert (lines["d11"], lines["d12"]) == ("volunteers", None)
    assert "homes" not in {r["id"] for r in view["budget"]["rows"]}
    trail = json.loads(run("audit", "trail", *KEY, "--item", "indicator:d11", "--json").stdout)
    assert (trail[-1]["event_type"], trail[-1]["field"], trail[-1]["comment"]) == (
        "IndicatorLineSet",
        "budget_line",
        "项目合并",
    )
    assert (trail[-1]["before_raw"], trail[-1]["after_raw"]) == (
        "homes 博爱家园建设",
        "volunteers 志愿者队伍建设",
    )
    # The report file says where each indicator points now.
    indicators = yaml.safe_load(run("report", "export", *KEY).stdout)["indicators"]
    exported = {i["id"]: i["budget_line"] for i in indicators}
    assert (exported["d11"], exported["d12"]) == ("volunteers", None)


def test_removing_a_line_needs_a_reason(imported) -> None:
    out = imported("report", "line", "remove", *KEY, "capacity", user="zhang.san")
    assert out.exit_code == 2
    assert "--reason" in out.stderr


def test_a_blocked_submission_lists_every_problem(admin, mode) -> None:
    run = admin
    for step in (
        ("report", "open", *KEY),
        ("report", "line", "add", *KEY, "total", "预算资金总额"),
        (
            "report",
            "indicator",
            "add",
            *KEY,
            "m03",
            "--category",
            "部门管理",
            "--name",
            "预算调整率",
            "--target",
            "0%",
            "--lower-is-better",
        ),
    ):
        assert run(*step, user="zhang.san").exit_code == 0
    out = run("review", "submit", *KEY, user="zhang.san")
    assert out.exit_code == 1
    lines = out.stderr.splitlines()
    assert lines[0].startswith("error: report report:gusu-rc:2021 cannot be submitted")
    assert len(lines) >= 3 and all(line.startswith("  - ") for line in lines[1:])


def test_missing_credentials_are_a_usage_error(imported, mode) -> None:
    out = imported("review", "submit", *KEY, user=None)
    assert out.exit_code == 2
    assert out.stderr == "error: user: missing, expected --user or JIXIAO_USER\n"


def test_a_wrong_token_is_refused_before_any_rule(imported, mode) -> None:
    imported.tokens["zhang.san"] = "0000.not-the-token"
    out = imported("review", "submit", *KEY, user="zhang.san")
    assert out.exit_code == 1
    assert "unknown user or token" in out.stderr


def test_a_bad_report_file_lists_every_problem_and_records_nothing(admin, tmp_path, mode) -> None:
    text = SEED_FILE.read_text(encoding="utf-8").replace("actual: 100%\n", "actual: 100&\n", 1)
    text = text.replace("initial: '12.5'", "initial: 十二点五", 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    out = admin("report", "import", str(bad), user="zhang.san")
    assert out.exit_code == 1
    lines = out.stderr.splitlines()
    assert lines[0] == f"error: {bad} rejected, nothing recorded, 2 problems:"
    assert "'十二点五'" in lines[1] and "did you mean '100%'?" in lines[2]
    assert json.loads(admin("audit", "verify", "--json").stdout)["ok"]
    broken = tmp_path / "broken.yaml"
    broken.write_text("department: [unclosed\n", encoding="utf-8")
    out = admin("report", "import", str(broken), user="zhang.san")
    assert out.exit_code == 1
    assert (
        out.stderr.startswith(f"error: {broken}: line 2 column 1") and "expected YAML" in out.stderr
    )
    # A GBK-encoded file (what an old Windows editor may save) is named, not a traceback.
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("department: 姑苏区红十字会\n".encode("gbk"))
    out = admin("report", "import", str(gbk), user="zhang.san")
    assert out.exit_code == 1
    assert out.stderr.strip() == (
        f"error: {gbk}: byte 0xb9 at offset 12 is not UTF-8, expected a UTF-8 text file "
        "(YAML or JSON)"
    )


def test_schemes_can_be_listed_and_shown(jixiao) -> None:
    out = jixiao("admin", "scheme", "list", "--json")
    assert {s["id"] for s in json.loads(out.stdout)} == {"default", "national-10-90"}
    shown = json.loads(jixiao("admin", "scheme", "show", "national-10-90").stdout)
    assert shown["scoring"]["enabled"] is True
