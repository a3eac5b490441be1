"""The report file format: export gives back what was typed; import obeys every rule, or fails."""

from __future__ import annotations

import copy

import pytest

from tests.seed import DEPARTMENT_CODE, YEAR
from tests.workflow.report_builders import KEY
from tests.workflow.world import NOW, World, make_world, seeded_template
from workflow.commands import (
    AddBudgetLine,
    AddIndicator,
    AdjustIndicatorTarget,
    OpenReport,
    RecordActualSpending,
    RecordIndicatorActual,
    RemoveBudgetLine,
    RenameBudgetLine,
    SetExecutionScore,
    SetIndicatorScore,
    SetInitialBudget,
)
from workflow.errors import DocumentRejected
from workflow.report_file import document_commands, parse_document, state_document
from workflow.service import execute, execute_all, load_report


@pytest.fixture(scope="module")
def seed_document() -> dict:
    state = load_report(seeded_template().store, DEPARTMENT_CODE, YEAR).state
    return state_document(state)


def import_into(world: World, data: dict) -> None:
    document = parse_document(data, source="gusu.yaml")
    execute_all(
        world.store, world.preparer, document_commands(document), source="gusu.yaml", now=NOW
    )


def test_export_then_import_gives_the_same_report(seed_document: dict) -> None:
    world = make_world()
    import_into(world, copy.deepcopy(seed_document))
    imported = load_report(world.store, DEPARTMENT_CODE, YEAR).state
    original = load_report(seeded_template().store, DEPARTMENT_CODE, YEAR).state
    assert state_document(imported) == seed_document
    assert imported.lines == original.lines
    assert imported.indicators == original.indicators
    assert imported.sections == original.sections


def test_an_import_is_one_transaction_attributed_to_the_importer(seed_document: dict) -> None:
    world = make_world()
    before = world.appended()
    import_into(world, copy.deepcopy(seed_document))
    rows = world.store.rows[before:]
    assert len(rows) > 100
    assert {row.actor for row in rows} == {"zhang.san"}
    assert {row.role for row in rows} == {"preparer"}
    assert len({row.recorded_at for row in rows}) == 1


def test_a_bad_file_is_rejected_whole_with_every_problem_located(seed_document: dict) -> None:
    data = copy.deepcopy(seed_document)
    coverage = next(
        i for i, d in enumerate(data["indicators"]) if d["name"] == "博爱家园街道覆盖率"
    )
    data["indicators"][coverage]["actual"] = "100&"
    data["budget"]["lines"][3]["initial"] = "十二点五"
    data["budget"]["lines"][0]["adjustments"][0]["kind"] = "sideways"
    world = make_world()
    before = world.appended()

    with pytest.raises(DocumentRejected) as caught:
        import_into(world, data)
    assert caught.value.problems == [
        "budget.lines[0].adjustments[0].kind: got 'sideways', expected 'carry_over', 'in_year' "
        "or 'higher_level'"
    ]
    assert world.appended() == before

    data["budget"]["lines"][0]["adjustments"][0]["kind"] = "in_year"
    with pytest.raises(DocumentRejected) as caught:
        import_into(world, data)
    problems = caught.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("budget.lines[3].initial: line 红十字人道宣传工作")
    assert "'十二点五'" in problems[0]
    assert problems[1].startswith(f"indicators[{coverage}].actual: indicator 博爱家园街道覆盖率")
    assert "did you mean '100%'" in problems[1]
    assert str(caught.value).startswith("gusu.yaml rejected, nothing recorded, 2 problems: ")
    assert world.appended() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "(document): got list, expected a mapping of fields"),
        ({"format": "xlsx", "department": "x", "year": 2021}, "format/version: got 'xlsx'/None"),
        ({"department": "gusu-rc"}, "year: missing, expected a value"),
        (
            {"department": "gusu-rc", "year": "二〇二一"},
            "year: got '二〇二一', expected a valid integer",
        ),
        (
            {
                "department": "gusu-rc",
                "year": 2021,
                "budget": {"lines": [{"id": "t", "name": "总额"}]},
            },
            "budget.lines[0].initial: missing, expected a value",
        ),
        ({"department": "gusu-rc", "year": 2021, "colour": "red"}, "colour: got 'red', expected"),
    ],
)
def test_malformed_documents_name_the_field(data, message: str) -> None:
    with pytest.raises(DocumentRejected) as caught:
        parse_document(data, source="f.yaml")
    assert any(p.startswith(message) for p in caught.value.problems), caught.value.problems


def test_numbers_from_yaml_or_spreadsheets_are_kept_as_typed(seed_document: dict) -> None:
    data = copy.deepcopy(seed_document)
    data["budget"]["lines"][0]["initial"] = 300.09
    data["budget"]["lines"][3]["initial"] = 12.5
    document = parse_document(data)
    assert document.budget.lines[0].initial == "300.09"
    assert document.budget.lines[3].initial == "12.5"


def test_renamed_and_removed_lines_export_as_they_are_now_and_import_again() -> None:
    # The format has no rename or removal: a file is the report as it is, so it says the new
    # name and leaves the removed line out, and importing it gives the same table.
    edited = copy.deepcopy(seeded_template())
    for command in (
        RenameBudgetLine(**KEY, line="volunteers", name="志愿队伍建设", reason="与指标表一致"),
        RemoveBudgetLine(**KEY, line="capacity", reason="并入基本支出"),
    ):
        execute(edited.store, edited.preparer, command, now=NOW)
    state = load_report(edited.store, DEPARTMENT_CODE, YEAR).state
    document = state_document(state)
    names = {line["id"]: line["name"] for line in document["budget"]["lines"]}
    assert "capacity" not in names and names["volunteers"] == "志愿队伍建设"

    world = make_world()
    import_into(world, copy.deepcopy(document))
    imported = load_report(world.store, DEPARTMENT_CODE, YEAR).state
    assert imported.lines == state.lines
    assert state_document(imported) == document


def test_the_forms_fields_export_and_import_to_the_same_report() -> None:
    """指标性质, 度量单位, 是否核心指标, 调整指标值 and typed 得分 survive a round trip."""
    world = make_world("national-10-90")
    enter = [
        AddBudgetLine(**KEY, line="total", name="项目资金"),
        SetInitialBudget(**KEY, line="total", amount="10"),
        RecordActualSpending(**KEY, line="total", amount="9"),
        AddIndicator(**KEY, indicator="p1", category="产出指标", name="验收合格率", target="90",
                     nature="≧", unit="百分比", core=True, weight="50"),
        AdjustIndicatorTarget(**KEY, indicator="p1", target="95", reason="年中提高标准"),
        RecordIndicatorActual(**KEY, indicator="p1", actual="96", deviation_reason="……"),
        SetIndicatorScore(**KEY, indicator="p1", score="48"),
        SetExecutionScore(**KEY, score="9"),
    ]  # fmt: skip
    execute(world.store, world.preparer, OpenReport(**KEY), now=NOW)
    for command in enter:
        execute(world.store, world.preparer, command, now=NOW)
    original = load_report(world.store, DEPARTMENT_CODE, YEAR).state
    document = state_document(original)
    fields = ("target", "nature", "core", "adjusted_target", "adjustment_reason", "score")
    assert {field: document["indicators"][0][field] for field in fields} == {
        "target": "≧90百分比",
        "nature": "≥",
        "core": True,
        "adjusted_target": "≥95%",
        "adjustment_reason": "年中提高标准",
        "score": "48",
    }
    assert document["budget"]["execution_score"] == "9"
    again = make_world("national-10-90")
    import_into(again, copy.deepcopy(document))
    imported = load_report(again.store, DEPARTMENT_CODE, YEAR).state
    assert imported.indicators == original.indicators
    assert imported.execution_score == original.execution_score
    assert state_document(imported) == document
