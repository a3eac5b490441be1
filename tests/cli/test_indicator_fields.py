"""指标性质, 度量单位, 调整指标值, 是否核心指标 and typed 得分 through the CLI, on the database
and through a server: the fields recorded, the rule's figures beside the typed ones in
``report show``, and refusals in one line that record nothing."""

from __future__ import annotations

import json

import yaml

from tests.cli.conftest import on_administration, run_steps

KEY = ("-d", "gusu-rc", "-y", "2022")


def open_national_year(run) -> None:
    """Fiscal year 2022 opened under the national scheme (10 + 90 points)."""
    out = run(
        "admin", "year", "open", "2022", "--deadline", "2023-06-30", "--scheme",
        "national-10-90", user="root",
    )  # fmt: skip
    assert out.exit_code == 0, out.stderr


@on_administration
def scored(run):
    """A 2022 report under the national scheme: one budget line, two indicators."""
    open_national_year(run)
    run_steps(
        run,
        [
            (("report", "open", *KEY), "zhang.san"),
            (("report", "line", "add", *KEY, "total", "项目资金"), "zhang.san"),
            (("report", "line", "initial", *KEY, "total", "100"), "zhang.san"),
            (("report", "line", "actual", *KEY, "total", "100"), "zhang.san"),
            (
                ("report", "indicator", "add", *KEY, "p1", "--category", "产出指标", "--name",
                 "验收合格率", "--nature", "≧", "--target", "90", "--unit", "百分比",
                 "--weight", "50", "--core"),
                "zhang.san",
            ),
            (
                ("report", "indicator", "add", *KEY, "p2", "--category", "效益指标", "--name",
                 "制度健全性", "--target", "健全", "--nature", "定性", "--weight", "40"),
                "zhang.san",
            ),
        ],
    )  # fmt: skip


def _show(run) -> dict:
    out = run("report", "show", *KEY, "--json", user="zhang.san")
    assert out.exit_code == 0, out.stderr
    return json.loads(out.stdout)


def test_the_forms_fields_are_recorded_and_shown(scored, mode) -> None:
    view = _show(scored)
    p1, p2 = view["indicators"]
    assert (p1["target"]["raw"], p1["target"]["normalised"], p1["nature"], p1["unit"]) == (
        "≧90百分比",
        "≥90%",
        "≥",
        "%",
    )
    assert (p1["core"], p2["core"], p2["nature"], p2["unit"]) == (True, False, "定性", None)


def test_typed_scores_beside_the_rules_figures(scored, mode) -> None:
    steps = [
        ("indicator", "actual", *KEY, "p1", "95"),
        ("indicator", "actual", *KEY, "p2", "完成"),
        ("indicator", "score", *KEY, "p1", "45"),
        ("indicator", "score", *KEY, "p2", "36"),
        ("execution-score", *KEY, "10"),
    ]
    for step in steps:
        out = scored("report", *step, user="zhang.san")
        assert out.exit_code == 0, (step, out.stderr)
    view = _show(scored)
    # A bare 95 takes the target's %; 完成 answers 健全 (the scheme lists it as achieved).
    assert view["indicators"][0]["actual"]["normalised"] == "95%"
    assert [i["status"] for i in view["indicators"]] == ["met", "met"]
    score = view["score"]
    assert [(s["indicator"], s["typed"], s["points"], s["rule"]) for s in score["indicators"]] == [
        ("p1", "45", "50.00", None),
        ("p2", "36", "40.00", "32–40"),
    ]
    assert (score["total"], score["rule_total"], score["grade"]) == ("91.00", "100.00", "优")
    line = "indicator p1 验收合格率 得分: typed 45, the rule gives 50 (met, 分值 50)"
    assert score["differences"] == [line]
    assert [n["message"] for n in view["notices"]] == [line]
    shown = scored("report", "show", *KEY, user="zhang.san").stdout
    assert "得分（填报）" in shown and "32–40" in shown
    assert "score 91.00 · grade 优\nscore by the rule alone 100.00\n" in shown
    assert shown.endswith(f"notice: {line}\n")
    # The deduction needs a 偏差原因 under the national scheme: submission says which.
    out = scored("review", "submit", *KEY, user="zhang.san")
    assert out.exit_code == 1
    reason = "indicator 验收合格率 偏差原因分析: got '', expected a reason"
    assert f"{reason} (得分 45 is below its 分值 50)" in out.stderr


def test_a_target_changed_during_the_year(scored, mode) -> None:
    out = scored(
        "report", "indicator", "adjust-target", *KEY, "p1", "95", "--reason", "年中提高标准",
        user="zhang.san",
    )  # fmt: skip
    assert out.exit_code == 0, out.stderr
    p1 = _show(scored)["indicators"][0]
    assert (p1["initial_target"]["raw"], p1["target"]["raw"], p1["adjustment_reason"]) == (
        "≧90百分比",
        "≥95%",
        "年中提高标准",
    )
    shown = scored("report", "show", *KEY, user="zhang.san").stdout
    assert "调整指标值" in shown and "年中提高标准" in shown
    exported = yaml.safe_load(scored("report", "export", *KEY, user="zhang.san").stdout)
    assert {k: exported["indicators"][0][k] for k in ("target", "nature", "core")} == {
        "target": "≧90百分比",
        "nature": "≥",
        "core": True,
    }
    assert exported["indicators"][0]["adjusted_target"] == "≥95%"
    trail = scored("audit", "trail", *KEY, "--json", user="zhao.liu")
    changes = [c for c in json.loads(trail.stdout) if c.get("field") == "target"]
    assert changes[-1]["comment"] == "年中提高标准"


def test_refusals_are_one_line_and_record_nothing(scored, mode) -> None:
    for args, message in [
        (
            ("indicator", "score", *KEY, "p1", "60"),
            "error: indicator 验收合格率 得分: got '60', expected at most its 分值 50",
        ),
        (
            ("indicator", "add", *KEY, "p3", "--category", "产出指标", "--name", "培训人次",
             "--target", "10", "--nature", "大约", "--unit", "人次"),
            "error: indicator 培训人次 target 指标性质: got '大约', expected one of =, ≥, ≤, >, <, "
            "定性, 定量",
        ),
        (
            ("indicator", "add", *KEY, "p3", "--category", "产出指标", "--name", "培训人次",
             "--target", "10", "--unit", "3O"),
            "error: indicator 培训人次 target 度量单位: got '3O', expected a unit (%, 万元, 次, "
            "人 …) or blank",
        ),
        (
            ("indicator", "adjust-target", *KEY, "p1", "≤95", "--reason", "改"),
            "error: indicator 验收合格率 调整指标值: got '≤95', expected a bare number or the "
            "comparison ≥ of the target '≧90百分比' (an adjustment changes the value, not the "
            "comparison)",
        ),
        (
            ("execution-score", *KEY, "十"),
            "error: 预算执行率 得分: got '十', expected a number of points >= 0 (at most 2 "
            "decimals)",
        ),
    ]:  # fmt: skip
        before = _show(scored)
        out = scored("report", *args, user="zhang.san")
        assert (out.exit_code, out.stderr) == (1, message + "\n"), args
        assert _show(scored) == before
