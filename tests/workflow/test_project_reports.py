"""项目支出 reports: a department-year's project reports beside its 部门整体 report, each on
its own stream with the whole life of a report (decision 0710)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from cli.seed_file import project_commands, project_document
from tests.workflow.world import NOW, World, enter_seed
from workflow.commands import (
    AddBudgetLine,
    ApproveReport,
    EditNarrative,
    OpenReport,
    RecordAdjustment,
    ReturnReport,
    SetFunctions,
    SetInitialBudget,
    SetNetAssets,
    SetProjectField,
    SetStaffing,
    SignOffReport,
    SubmitReport,
)
from workflow.errors import InvalidValue, SubmissionBlocked, WrongStage
from workflow.report_events import ProjectFieldSet, ProjectReportOpened, ReportOpened
from workflow.report_file import document_commands, parse_document, state_document
from workflow.service import execute, load_report
from workflow.stages import Stage
from workflow.streams import report_stream_id, report_stream_parts

PROJECT = {"department": "gusu-rc", "year": 2021, "project_code": "homes"}
STREAM = "report:gusu-rc:2021:homes"


def _enter_project(world: World) -> None:
    for command in project_commands():
        execute(world.store, world.preparer, command, now=NOW)


def _refused(world: World, command: object, error: type[Exception], message: str) -> None:
    before = len(world.store.rows)
    with pytest.raises(error) as caught:
        execute(world.store, world.preparer, command, now=NOW)  # type: ignore[arg-type]
    assert str(caught.value) == message
    assert len(world.store.rows) == before


def test_stream_ids_of_both_kinds_and_their_parts() -> None:
    assert report_stream_id("gusu-rc", 2021) == "report:gusu-rc:2021"
    assert report_stream_id("gusu-rc", 2021, "homes") == STREAM
    assert report_stream_parts(STREAM) == ("gusu-rc", 2021, "homes")
    assert report_stream_parts("report:gusu-rc:2021") == ("gusu-rc", 2021, None)
    assert report_stream_parts("department:gusu-rc") is None


def test_a_project_report_opens_on_its_own_stream_beside_the_department_report(
    world: World,
) -> None:
    enter_seed(world)
    (opened,) = execute(
        world.store,
        world.preparer,
        OpenReport(**PROJECT, project_name=" 博爱家园建设 ", implementer="姑苏区红十字会"),
        now=NOW,
    )
    assert opened.stream_id == STREAM
    event = opened.event
    assert isinstance(event, ProjectReportOpened) and isinstance(event, ReportOpened)
    assert event.project.model_dump(include={"code", "name", "supervisor", "implementer"}) == {
        "code": "homes",
        "name": "博爱家园建设",
        # 主管部门 not given: the department's registered name.
        "supervisor": "姑苏区红十字会",
        "implementer": "姑苏区红十字会",
    }
    project = load_report(world.store, "gusu-rc", 2021, project="homes").state
    department = load_report(world.store, "gusu-rc", 2021).state
    assert (project.kind, project.project_code, project.stage) == ("project", "homes", Stage.DRAFT)
    # The 部门整体 report keeps its stream, its first event and its content.
    assert department.kind == "department" and department.project is None
    assert type(world.store.read_stream("report:gusu-rc:2021")[0].event) is ReportOpened
    assert len(department.lines) == 12 and project.lines == ()


def test_the_bundled_project_report_enters_whole_and_goes_through_review_to_sign_off(
    world: World,
) -> None:
    _enter_project(world)
    state = load_report(world.store, "gusu-rc", 2021, project="homes").state
    assert state.project is not None and state.project.goal.startswith("新建红十字博爱家园")
    table = state.table()
    # 年初预算数 8, 全年预算数 (adjusted) 3.2, 全年执行数 3.2: the seed's line homes.
    total = table.figures("total")
    assert (total.initial, total.total, total.actual) == (
        Decimal("8"),
        Decimal("3.2"),
        Decimal("3.2"),
    )
    assert total.execution_rate == Decimal("1")
    steps = [
        (world.preparer, SubmitReport(**PROJECT)),
        (world.head, ReturnReport(**PROJECT, comment="压缩的原因写清楚", items=("line:fiscal",))),
        (world.preparer, SetProjectField(**PROJECT, field="problems", text="年中压缩预算。")),
        (world.preparer, SubmitReport(**PROJECT)),
        (world.head, ApproveReport(**PROJECT)),
        (world.finance, ApproveReport(**PROJECT)),
        (world.head, SignOffReport(**PROJECT)),
        (world.finance, SignOffReport(**PROJECT)),
    ]
    for who, command in steps:
        execute(world.store, who, command, now=NOW)
    state = load_report(world.store, "gusu-rc", 2021, project="homes").state
    assert state.stage is Stage.SIGNED_OFF
    assert state.returns[0].items[0].id == "fiscal"
    (message,) = [m for m in world.store.outbox if m.topic == "render"]
    assert message.payload == {
        "stream_id": STREAM,
        "report": {"department": "gusu-rc", "year": 2021, "project": "homes"},
        "revision": 1,
    }


def test_a_project_report_is_submitted_without_part_one_or_narrative_but_not_without_its_goal(
    world: World,
) -> None:
    execute(
        world.store, world.preparer, OpenReport(**PROJECT, project_name="博爱家园建设"), now=NOW
    )
    with pytest.raises(SubmissionBlocked) as caught:
        execute(world.store, world.preparer, SubmitReport(**PROJECT), now=NOW)
    assert caught.value.problems == [
        "project homes 年度总体目标·预期目标: missing, expected its text",
        "project homes 年度总体目标·实际完成情况: missing, expected its text",
        "项目资金: empty, expected 年度资金总额 and its rows",
        "indicators: none, expected the 绩效指标 of the self-evaluation table",
    ]


def test_project_fields_are_set_by_id_or_by_the_forms_words_and_a_repeat_records_nothing(
    world: World,
) -> None:
    execute(
        world.store, world.preparer, OpenReport(**PROJECT, project_name="博爱家园建设"), now=NOW
    )
    (set_goal,) = execute(
        world.store,
        world.preparer,
        SetProjectField(**PROJECT, field="预期目标", text="新建 4 家"),
        now=NOW,
    )
    assert set_goal.event == ProjectFieldSet(field="goal", text="新建 4 家")
    assert (
        execute(
            world.store,
            world.preparer,
            SetProjectField(**PROJECT, field="goal", text="新建 4 家"),
            now=NOW,
        )
        == []
    )
    execute(
        world.store,
        world.preparer,
        SetProjectField(**PROJECT, field="project_lead", text="李四"),
        now=NOW,
    )
    project = load_report(world.store, "gusu-rc", 2021, project="homes").state.project
    assert project is not None and (project.goal, project.project_lead) == ("新建 4 家", "李四")


def test_what_a_project_report_refuses(world: World) -> None:
    enter_seed(world)
    _refused(
        world,
        OpenReport(**PROJECT),
        InvalidValue,
        "project homes 项目名称: got 'None', expected a non-blank text",
    )
    _refused(
        world,
        OpenReport(department="gusu-rc", year=2021, project_code="Homes:1", project_name="x"),
        InvalidValue,
        "report project: got 'Homes:1', expected an id of at most 64 ASCII characters: "
        "lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
    )
    _refused(
        world,
        SetProjectField(department="gusu-rc", year=2021, field="goal", text="x"),
        InvalidValue,
        "report report:gusu-rc:2021 field: got 'goal', expected a part of a 部门整体支出 report: "
        "project fields belong to a 项目支出 report (-p CODE)",
    )
    execute(
        world.store, world.preparer, OpenReport(**PROJECT, project_name="博爱家园建设"), now=NOW
    )
    _refused(
        world,
        OpenReport(**PROJECT, project_name="博爱家园建设"),
        WrongStage,
        "report report:gusu-rc:2021:homes stage: got 草稿（draft）, expected 未填报（new）: the "
        "report is already opened (a report is opened, or imported, once)",
    )
    _refused(
        world,
        SetProjectField(**PROJECT, field="权重", text="x"),
        InvalidValue,
        "project homes field: got '权重', expected name (项目名称), supervisor (主管部门), "
        "implementer (实施单位), goal (年度总体目标·预期目标), "
        "achieved (年度总体目标·实际完成情况), conclusion (评价结论), problems (存在问题), "
        "improvements (改进措施), "
        "project_lead (项目负责人), finance_lead (财务负责人)",
    )
    _refused(
        world,
        SetProjectField(**PROJECT, field="name", text=""),
        InvalidValue,
        "project homes 项目名称: got '', expected a non-blank text",
    )
    for command, message in (
        (
            SetFunctions(**PROJECT, functions=("宣传",)),
            "report report:gusu-rc:2021:homes 主要职能: got '1 functions', expected a part of "
            "a 项目支出 report: it has no 主要职能 (that is the 部门整体支出 report's)",
        ),
        (
            SetStaffing(**PROJECT, establishment=4),
            "report report:gusu-rc:2021:homes 人员: got '编制 4', expected a part of a 项目支出 "
            "report: it has no 人员 (that is the 部门整体支出 report's)",
        ),
        (
            SetNetAssets(**PROJECT, amount="1"),
            "report report:gusu-rc:2021:homes 净资产: got '1', expected a part of a 项目支出 "
            "report: it has no 净资产 (that is the 部门整体支出 report's)",
        ),
        (
            EditNarrative(**PROJECT, section="1.3", text="x"),
            "report report:gusu-rc:2021:homes section: got '1.3', expected a part of a 项目支出 "
            "report: it has no section (that is the 部门整体支出 report's)",
        ),
    ):
        _refused(world, command, InvalidValue, message)


def test_a_department_report_takes_no_project_name(world: World) -> None:
    _refused(
        world,
        OpenReport(department="gusu-rc", year=2021, project_name="博爱家园建设"),
        InvalidValue,
        "report gusu-rc/2021 --name: got '博爱家园建设', expected nothing: only a 项目支出 "
        "report (with a project code) has it",
    )


def test_fund_rows_use_the_budget_lines_and_adjustments(world: World) -> None:
    execute(
        world.store, world.preparer, OpenReport(**PROJECT, project_name="博爱家园建设"), now=NOW
    )
    for command in (
        AddBudgetLine(**PROJECT, line="total", name="年度资金总额"),
        AddBudgetLine(**PROJECT, line="fiscal", name="当年财政拨款", parent="total"),
        SetInitialBudget(**PROJECT, line="fiscal", amount="8"),
        RecordAdjustment(
            **PROJECT, line="fiscal", amount="-4.8", kind="in_year", reason="压缩预算"
        ),
    ):
        execute(world.store, world.preparer, command, now=NOW)
    table = load_report(world.store, "gusu-rc", 2021, project="homes").state.table()
    assert table.figures("total").total == Decimal("3.2")


def test_export_of_a_project_report_imports_to_the_same_commands(world: World) -> None:
    _enter_project(world)
    state = load_report(world.store, "gusu-rc", 2021, project="homes").state
    exported = parse_document(state_document(state))
    assert exported.project == project_document().project
    again = [command for _, command in document_commands(exported)]
    assert again == project_commands()


def test_several_reports_are_recorded_as_one_change_or_not_at_all(world: World) -> None:
    from tests.seed import seed_commands
    from workflow.errors import DocumentRejected
    from workflow.service import authenticate, execute_reports_as

    actor = authenticate(world.store, world.preparer).actor()
    department = [(f"seed[{i}]", c) for i, c in enumerate(seed_commands())]
    project = [(f"project[{i}]", c) for i, c in enumerate(project_commands())]
    spoiled = [
        (where, replace(c, amount="八")) if isinstance(c, SetInitialBudget) else (where, c)
        for where, c in project
    ]
    before = len(world.store.rows)
    with pytest.raises(DocumentRejected) as caught:
        execute_reports_as(world.store, actor, [department, spoiled], source="book.xlsx", now=NOW)
    assert caught.value.problems[0].startswith("project[")
    assert "年初预算数: got '八'" in caught.value.problems[0]
    assert len(world.store.rows) == before
    recorded = execute_reports_as(
        world.store, actor, [department, project], source="book.xlsx", now=NOW
    )
    assert {r.stream_id for r in recorded} == {"report:gusu-rc:2021", STREAM}
    positions = [r.position for r in recorded]
    assert positions == list(range(positions[0], positions[0] + len(positions)))
    assert load_report(world.store, "gusu-rc", 2021, project="homes").state.project is not None
    assert len(load_report(world.store, "gusu-rc", 2021).state.lines) == 12
