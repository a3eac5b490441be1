"""项目支出 reports through the CLI: `-p CODE` on every report command, a project's review
and audit, the overview and replay listing it under its department.

The tests that name ``mode`` run twice: on the database, and through a server (`--server`).
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from cli.seed_file import PROJECT_FILE, SEED_FILE
from tests.cli.conftest import KEY, Invoke, on_administration, run_steps

PROJECT = (*KEY, "-p", "homes")
SIGN_OFF = (
    (("review", "submit", *PROJECT), "zhang.san"),
    (("review", "approve", *PROJECT), "li.si"),
    (("review", "approve", *PROJECT), "wang.wu"),
    (("review", "sign-off", *PROJECT), "li.si"),
    (("review", "sign-off", *PROJECT), "wang.wu"),
)


@on_administration
def with_project(run: Invoke) -> None:
    """The seed's 部门整体 report and its project 博爱家园建设 imported, both drafts."""
    for path in (SEED_FILE, PROJECT_FILE):
        out = run("report", "import", str(path), user="zhang.san")
        assert out.exit_code == 0, out.stderr


def test_a_project_report_is_opened_and_filled_in_with_p(admin: Invoke, mode: str) -> None:
    run = admin
    out = run("report", "open", *KEY, "-p", "training", "--name", "应急救护培训", user="zhang.san")
    assert out.exit_code == 0, out.stderr
    assert out.stdout == (
        "已新建 姑苏区红十字会 2021 年度项目支出报告：应急救护培训（draft），等待填报人修改并提交\n"
    )
    steps = [
        ("report", "project", *KEY, "-p", "training", "goal", "培训 2000 人"),
        ("report", "line", "add", *KEY, "-p", "training", "total", "年度资金总额"),
        ("report", "line", "initial", *KEY, "-p", "training", "total", "6"),
        ("report", "line", "adjust", *KEY, "-p", "training", "total", "0.5", "--kind",
         "in_year", "--reason", "追加"),
        ("report", "line", "actual", *KEY, "-p", "training", "total", "6.4"),
        ("report", "indicator", "add", *KEY, "-p", "training", "c01", "--category", "产出指标",
         "--level2", "数量指标", "--name", "培训人数", "--nature", "≥", "--target", "2000",
         "--unit", "人", "--core"),
        ("report", "indicator", "adjust-target", *KEY, "-p", "training", "c01", "2500",
         "--reason", "年中追加培训任务"),
    ]  # fmt: skip
    for step in steps:
        out = run(*step, user="zhang.san")
        assert out.exit_code == 0, (step, out.stderr)
    view = json.loads(run("report", "show", *KEY, "-p", "training", "--json").stdout)
    assert view["kind"] == "project" and view["project"]["goal"] == "培训 2000 人"
    assert view["budget"]["rows"][0]["total"] == "6.5"
    assert view["indicators"][0]["project"] == "数量指标"
    indicator = view["indicators"][0]
    assert (indicator["nature"], indicator["unit"], indicator["core"]) == ("≥", "人", True)
    assert (indicator["initial_target"]["raw"], indicator["target"]["value"]) == (
        "≥2000 人",
        "2500",
    )
    shown = run("report", "show", *KEY, "-p", "training").stdout
    assert "项目 training 应急救护培训" in shown and "全年预算数" in shown
    # The 部门整体 report of the year is not opened by any of this.
    assert "not found" in run("report", "show", *KEY).stderr


def test_a_project_report_goes_through_review_sign_off_and_the_audit(
    with_project: Invoke, mode: str
) -> None:
    run = with_project
    run_steps(run, SIGN_OFF)
    view = json.loads(run("report", "show", *PROJECT, "--json").stdout)
    assert view["stage"] == "signed_off" and view["project"]["code"] == "homes"
    # The 部门整体 report did not move.
    assert json.loads(run("report", "show", *KEY, "--json").stdout)["stage"] == "draft"
    trail = json.loads(run("audit", "trail", *PROJECT, "--json").stdout)
    assert trail[0]["event_type"] == "ProjectReportOpened"
    assert {e["report"] for e in trail} == {"report:gusu-rc:2021:homes"}
    goal = next(e for e in trail if e["field"] == "goal")
    assert goal["item_label"] == "年度总体目标·预期目标"
    opened_at = trail[0]["position"]
    as_of = json.loads(run("audit", "as-of", *PROJECT, str(opened_at), "--json").stdout)
    assert as_of["view"]["project"]["name"] == "博爱家园建设"
    assert as_of["view"]["project"]["goal"] == ""
    diff = json.loads(
        run("audit", "diff", *PROJECT, str(opened_at), str(trail[-1]["position"]), "--json").stdout
    )
    assert "project.goal" in {c["path"] for c in diff["changes"]}


def test_the_export_of_a_project_report_is_the_file_it_was_imported_from(
    with_project: Invoke, mode: str, tmp_path: Path
) -> None:
    out = with_project("report", "export", *PROJECT, user="zhang.san")
    assert out.exit_code == 0, out.stderr
    exported = yaml.safe_load(out.stdout)
    imported = yaml.safe_load(PROJECT_FILE.read_text(encoding="utf-8"))
    assert exported["project"] == imported["project"]
    assert [line["id"] for line in exported["budget"]["lines"]] == [
        line["id"] for line in imported["budget"]["lines"]
    ]


def test_the_overview_lists_project_reports_under_their_department(
    with_project: Invoke, mode: str
) -> None:
    run = with_project
    run_steps(run, SIGN_OFF[:1])
    (department,) = json.loads(run("report", "overview", "2021", "--json").stdout)
    assert department["stage"] == "draft"
    (project,) = department["projects"]
    assert (project["project"], project["stage"], project["report"]) == (
        "homes",
        "submitted",
        "report:gusu-rc:2021:homes",
    )
    table = run("report", "overview", "2021").stdout
    assert table.index("姑苏区红十字会") < table.index("  项目 homes 博爱家园建设")
    listed = json.loads(run("report", "list", "-y", "2021", "--json").stdout)
    assert [(r["report"], r["project"], r["project_name"]) for r in listed] == [
        ("report:gusu-rc:2021", None, None),
        ("report:gusu-rc:2021:homes", "homes", "博爱家园建设"),
    ]
    assert "姑苏区红十字会 项目 homes 博爱家园建设" in run("report", "list", "-y", "2021").stdout
    (waiting,) = json.loads(run("review", "inbox", "--json", user="li.si").stdout)
    assert (waiting["report"], waiting["project"]) == ("report:gusu-rc:2021:homes", "homes")


def test_the_year_replay_has_every_project_event(with_project: Invoke, tmp_path: Path) -> None:
    out = with_project("audit", "replay", "2021", "--out", str(tmp_path))
    assert out.exit_code == 0, out.stderr
    replay = json.loads((tmp_path / "changes-2021.json").read_text(encoding="utf-8"))
    assert list(replay["timelines"]) == ["report:gusu-rc:2021", "report:gusu-rc:2021:homes"]
    fields = {c["field"] for c in replay["changes"] if c["report"] == "report:gusu-rc:2021:homes"}
    assert {"opened", "goal", "achieved", "project_lead", "initial", "actual"} <= fields


def test_what_the_cli_refuses_about_projects(with_project: Invoke, mode: str) -> None:
    run = with_project
    out = run("report", "functions", *PROJECT, "宣传", user="zhang.san")
    assert out.exit_code == 1
    assert out.stderr == (
        "error: report report:gusu-rc:2021:homes 主要职能: got '1 functions', expected a part "
        "of a 项目支出 report: it has no 主要职能 (that is the 部门整体支出 report's)\n"
    )
    out = run("report", "show", *KEY, "-p", "nope")
    assert out.exit_code == 1
    assert "report gusu-rc/2021/nope: not found" in out.stderr
    out = run("audit", "trail", "-p", "homes")
    assert out.exit_code == 2
    assert "--department: missing for project 'homes'" in out.stderr
    out = run("report", "project", *KEY, "goal", "x", user="zhang.san")
    assert out.exit_code == 1
    assert "project fields belong to a 项目支出 report (-p CODE)" in out.stderr


def test_render_pending_and_audit_artifact_take_project_reports(
    with_project: Invoke, tmp_path: Path, mode: str
) -> None:
    run = with_project
    run_steps(run, SIGN_OFF)
    if mode == "server":
        # Rendering works on the database, on the server's machine: as an administrator would.
        direct = Invoke(run.db, run.tokens)
        out = direct("worker", "render-pending", "--out", str(tmp_path), "--json")
    else:
        out = run("worker", "render-pending", "--out", str(tmp_path), "--json")
    assert out.exit_code == 0, out.stderr
    (rendered,) = json.loads(out.stdout)
    assert (rendered["report"], rendered["revision"]) == ("report:gusu-rc:2021:homes", 1)
    xlsx = next(Path(p) for p in rendered["artifacts"] if p.endswith(".xlsx"))
    assert xlsx.name.startswith("gusu-rc-2021@homes-r1-")
    proof = json.loads(run("audit", "artifact", str(xlsx), "--json").stdout)
    assert (proof["report"], proof["ok"]) == ("report:gusu-rc:2021:homes", True)
    assert json.loads(run("report", "show", *PROJECT, "--json").stdout)["stage"] == "rendered"
