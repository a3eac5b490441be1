"""The year overview: every department of a fiscal year, reported or not, with its figures."""

from __future__ import annotations

from datetime import date

from projections.runner import ProjectionRunner
from projections.year_overview import year_overview
from tests.projections.world import add_department, drive, enter_seed, run
from tests.seed import seed_commands
from tests.workflow.report_builders import stage_steps
from tests.workflow.world import World
from workflow.administration import OpenFiscalYear
from workflow.commands import SetInitialBudget
from workflow.service import execute
from workflow.stages import Stage


def test_every_department_of_the_year_with_stage_and_figures(
    seeded: World, runner: ProjectionRunner
) -> None:
    add_department(seeded, "gusu-edu", "姑苏区教育局")
    add_department(seeded, "gusu-hw", "姑苏区卫健委")
    enter_seed(seeded, "gusu-edu")
    run(
        seeded,
        seeded.preparer,
        SetInitialBudget(department="gusu-edu", year=2021, line="it", amount="3"),
    )
    drive(seeded, stage_steps(Stage.SUBMITTED))
    runner.catch_up()

    rows = {row.department: row for row in year_overview(runner.engine, 2021)}
    assert sorted(rows) == ["gusu-edu", "gusu-hw", "gusu-rc"]
    red_cross, education, health = rows["gusu-rc"], rows["gusu-edu"], rows["gusu-hw"]
    assert (red_cross.stage, red_cross.revision, red_cross.last_actor) == (
        "submitted",
        1,
        "zhang.san",
    )
    assert red_cross.figures == {
        "initial": "300.09",
        "adjustments": "-22.81",
        "higher_level": "1.8",
        "total": "279.08",
        "actual": "279.08",
        "execution_rate": "100.0",
        "adjustment_rate": "7.6",
        "score": None,
        "grade": None,
    }
    # One more 万元 of initial budget on a leaf: the totals follow, the rate drops.
    assert (education.stage, education.figures["initial"], education.figures["total"]) == (
        "draft",
        "301.09",
        "280.08",
    )
    assert education.figures["execution_rate"] == "99.6"
    assert (health.stage, health.report, health.last_activity) == ("new", None, None)
    assert all(v is None for v in health.figures.values())
    assert [r.department for r in year_overview(runner.engine, 2021, stage="draft")] == ["gusu-edu"]
    # A preparer's inbox reads only its departments' rows.
    mine = year_overview(runner.engine, 2021, departments={"gusu-hw", "gusu-rc"})
    assert [r.department for r in mine] == ["gusu-hw", "gusu-rc"]
    assert [
        r.department
        for r in year_overview(runner.engine, 2021, stage="new", departments={"gusu-hw"})
    ] == ["gusu-hw"]
    assert year_overview(runner.engine, 2021, stage="new", departments={"gusu-edu"}) == []
    assert year_overview(runner.engine, 2021, departments=set()) == []


def test_a_scored_year_shows_score_and_grade(seeded: World, runner: ProjectionRunner) -> None:
    execute(
        seeded.store,
        seeded.admin,
        OpenFiscalYear(year=2022, scheme="national-10-90", deadline=date(2023, 6, 30)),
    )
    run(seeded, seeded.preparer, *seed_commands("gusu-rc", 2022))
    add_department(seeded, "gusu-late", "姑苏区新设部门")  # registered after both years opened
    runner.catch_up()
    (late, scored) = year_overview(runner.engine, 2022)
    assert (scored.department, scored.stage) == ("gusu-rc", "draft")
    assert scored.figures["score"] is not None and scored.figures["grade"] in (
        "优",
        "良",
        "中",
        "差",
    )
    assert float(scored.figures["score"]) > 80
    assert (late.department, late.stage) == ("gusu-late", "new")
    assert [r.department for r in year_overview(runner.engine, 2021)] == ["gusu-late", "gusu-rc"]
    assert year_overview(runner.engine, 2020) == []
