"""The messy input of DOMAIN.md §2 and the issue: one-line errors, nothing recorded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.seed import TYPOS
from tests.workflow.report_builders import KEY
from tests.workflow.world import NOW, World
from workflow.commands import (
    AddIndicator,
    ApproveReport,
    PublishReport,
    RecordActualSpending,
    RecordAdjustment,
    RecordIndicatorActual,
    ReopenReport,
    ReportCommand,
    SetInitialBudget,
    SignOffReport,
    SubmitReport,
)
from workflow.errors import (
    DomainError,
    InvalidValue,
    NotAuthorized,
    StaleRevision,
    StaleVersion,
    UnknownItem,
    WrongStage,
)
from workflow.service import Credentials, execute
from workflow.stages import Stage

STREAM = "report:gusu-rc:2021"
_AMOUNT = "expected an amount >= 0 in 万元 with at most 3 decimals, such as '279.08'"


def rejected(
    world: World,
    who: Credentials,
    command: ReportCommand,
    error: type[DomainError],
    message: str,
    **options: object,
) -> None:
    """Assert the command fails with exactly ``message`` (one line) and records nothing."""
    before = (len(world.store.rows), len(world.store.outbox), world.store.stream_version(STREAM))
    with pytest.raises(error) as caught:
        execute(world.store, who, command, now=NOW, **options)  # type: ignore[arg-type]
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)
    after = (len(world.store.rows), len(world.store.outbox), world.store.stream_version(STREAM))
    assert after == before


def test_the_seeds_typos_are_the_ones_corrected() -> None:
    assert TYPOS == (("b04", "actual", "100&", "100%"), ("d04", "target", "5 人人次", "5 人次"))


def test_100_ampersand_names_the_indicator_and_suggests_a_percentage(seeded: World) -> None:
    rejected(
        seeded,
        seeded.preparer,
        RecordIndicatorActual(**KEY, indicator="b04", actual="100&"),
        InvalidValue,
        "indicator 博爱家园街道覆盖率 actual: got '100&', expected a number with a unit, "
        "a comparison or a qualitative grade — did you mean '100%'?",
    )


def test_doubled_unit_is_rejected_with_the_single_unit_suggested(seeded: World) -> None:
    rejected(
        seeded,
        seeded.preparer,
        AddIndicator(
            **KEY,
            indicator="d04b",
            category="部门履职及效果",
            project="群众性公益应急救护培训",
            name="完成师资培训",
            target="5 人人次",
        ),
        InvalidValue,
        "indicator 完成师资培训 target: got '5 人人次', expected a number with one unit — "
        "the unit '人人次' repeats '人'; did you mean '5 人次'?",
    )


def test_negative_initial_budget(seeded: World) -> None:
    rejected(
        seeded,
        seeded.preparer,
        SetInitialBudget(**KEY, line="basic", amount="-260.84"),
        InvalidValue,
        f"line 基本支出 年初预算数: got '-260.84', {_AMOUNT}",
    )


def test_adjustment_on_a_line_that_does_not_exist(seeded: World) -> None:
    rejected(
        seeded,
        seeded.preparer,
        RecordAdjustment(**KEY, line="travel", amount="-1", kind="in_year", reason="压缩预算"),
        UnknownItem,
        "line 'travel': no such line in report report:gusu-rc:2021; expected one of total, "
        "basic, project, publicity, first-aid, rescue-team, it, humanitarian, homes, "
        "volunteers, schools, capacity",
    )


@pytest.mark.parametrize("typed", ["两万", "2万", "2.0.1", "", "1e3"])
def test_text_where_an_amount_belongs(seeded: World, typed: str) -> None:
    rejected(
        seeded,
        seeded.preparer,
        RecordActualSpending(**KEY, line="it", amount=typed),
        InvalidValue,
        f"line 信息化建设 实际支出数: got {typed!r}, {_AMOUNT}",
    )


def test_binary_floats_are_refused(seeded: World) -> None:
    rejected(
        seeded,
        seeded.preparer,
        RecordActualSpending(**KEY, line="it", amount=2.1),  # type: ignore[arg-type]
        InvalidValue,
        f"line 信息化建设 实际支出数: got '2.1', {_AMOUNT}",
    )


def test_too_many_decimals_and_an_unknown_adjustment_kind(seeded: World) -> None:
    rejected(
        seeded,
        seeded.preparer,
        SetInitialBudget(**KEY, line="it", amount="2.0001"),
        InvalidValue,
        f"line 信息化建设 年初预算数: got '2.0001', {_AMOUNT}",
    )
    rejected(
        seeded,
        seeded.preparer,
        RecordAdjustment(**KEY, line="it", amount="1", kind="bonus", reason="x"),
        InvalidValue,
        "line 信息化建设 adjustment kind: got 'bonus', expected one of carry_over, in_year, "
        "higher_level",
    )
    rejected(
        seeded,
        seeded.preparer,
        RecordAdjustment(**KEY, line="it", amount="0", kind="in_year", reason="x"),
        InvalidValue,
        "line 信息化建设 adjustment: got '0', expected a non-zero amount in 万元",
    )


def test_an_actual_of_another_unit_or_shape(seeded: World) -> None:
    rejected(
        seeded,
        seeded.preparer,
        RecordIndicatorActual(**KEY, indicator="d01", actual="3 个"),
        InvalidValue,
        "indicator 开展大型活动 actual: got '3 个', expected a value in 场 like the target '2 场'",
    )
    rejected(
        seeded,
        seeded.preparer,
        RecordIndicatorActual(**KEY, indicator="m01", actual="100%"),
        InvalidValue,
        "indicator 预算编制规范性 actual: got '100%', expected a qualitative grade like the "
        "target '规范'",
    )


def test_money_actuals_convert_between_yuan_units(seeded: World) -> None:
    execute(
        seeded.store,
        seeded.preparer,
        RecordIndicatorActual(**KEY, indicator="d08", actual="320000 元"),
    )
    from workflow.indicators import actual_in_target_unit
    from workflow.service import load_report

    indicator = load_report(seeded.store, "gusu-rc", 2021).state.indicator("d08")
    assert indicator is not None and actual_in_target_unit(indicator) == Decimal(32)


def test_wrong_role(seeded: World) -> None:
    rejected(
        seeded,
        seeded.auditor,
        SubmitReport(**KEY),
        NotAuthorized,
        "user zhao.liu role in department gusu-rc: got 审计/纪检（auditor）, "
        "expected 填报人（preparer） to 提交（SubmitReport）",
    )
    rejected(
        seeded,
        seeded.preparer,
        ApproveReport(**KEY),
        NotAuthorized,
        "user zhang.san role in department gusu-rc: got 填报人（preparer）, expected "
        "部门负责人（department_head） or 财政局审核人（finance_reviewer） "
        "to 审核通过（ApproveReport）",
    )


def test_wrong_stage(seeded: World) -> None:
    execute(seeded.store, seeded.preparer, SubmitReport(**KEY), now=NOW)
    rejected(
        seeded,
        seeded.preparer,
        SetInitialBudget(**KEY, line="it", amount="3"),
        WrongStage,
        "report report:gusu-rc:2021 stage: got 已提交（submitted）, expected 草稿（draft） "
        "for 填写年初预算数（SetInitialBudget） by 填报人（preparer）",
    )


def _close(world: World) -> None:
    execute(world.store, world.preparer, SubmitReport(**KEY), now=NOW)
    execute(world.store, world.head, ApproveReport(**KEY))
    execute(world.store, world.finance, ApproveReport(**KEY))
    execute(world.store, world.head, SignOffReport(**KEY))
    execute(world.store, world.finance, SignOffReport(**KEY))


def test_stale_revision(seeded: World) -> None:
    _close(seeded)
    execute(seeded.store, seeded.finance, ReopenReport(**KEY, reason="更正"))
    rejected(
        seeded,
        seeded.head,
        PublishReport(**KEY, revision=1),
        StaleRevision,
        "report report:gusu-rc:2021 revision: got 1, expected the current revision 2; "
        "reload the report",
    )


def test_stale_expected_version(seeded: World) -> None:
    version = seeded.store.stream_version(STREAM)
    rejected(
        seeded,
        seeded.preparer,
        SetInitialBudget(**KEY, line="it", amount="2"),
        StaleVersion,
        f"stream 'report:gusu-rc:2021' version: got {version - 1}, expected the current "
        f"version {version}; reload and try again",
        expected_version=version - 1,
    )
    recorded = execute(
        seeded.store,
        seeded.preparer,
        SetInitialBudget(**KEY, line="it", amount="2.5"),
        expected_version=version,
    )
    assert recorded[0].version == version + 1


def test_stage_is_still_draft_after_all_rejections(seeded: World) -> None:
    from workflow.service import load_report

    assert load_report(seeded.store, "gusu-rc", 2021).state.stage is Stage.DRAFT


def test_narrative_sections_and_figures_are_checked(seeded: World) -> None:
    from workflow.commands import EditNarrative

    rejected(
        seeded,
        seeded.preparer,
        EditNarrative(**KEY, section="4.1", text="x"),
        InvalidValue,
        "section: got '4.1', expected one of 1.3, 1.4, 2.1, 2.2, 2.3, 2.4, 3.1, 3.2, 3.3 "
        "or a subsection",
    )
    rejected(
        seeded,
        seeded.preparer,
        EditNarrative(
            **KEY,
            section="1.3",
            text="x",
            figures=(("donations", "接收社会捐赠款物", "一百五十六万元"),),
        ),
        InvalidValue,
        "section 1.3 figure 接收社会捐赠款物: got '一百五十六万元', expected a number with a unit, "
        "such as '156.86 万元'",
    )
    rejected(
        seeded,
        seeded.preparer,
        EditNarrative(**KEY, section="1.3", text="x", figures=(("only-two", "x"),)),  # type: ignore[arg-type]
        InvalidValue,
        "section 1.3 figure: got \"('only-two', 'x')\", expected a (key, label, value) triple",
    )
