"""Input that used to slip through: commas deleted whatever their place, amounts of any size,
blank or multi-line names, and scores shown to 28 digits. Each refusal is one line and
records nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from projections.report_view import report_view
from tests.workflow.report_builders import HEAD, KEY, context, seed_draft, state_at
from tests.workflow.test_bad_input import rejected
from tests.workflow.world import NOW, World
from workflow.administration import RegisterDepartment, RegisterUser
from workflow.amounts import parse_amount
from workflow.commands import (
    AddBudgetLine,
    AddIndicator,
    EditNarrative,
    PublishReport,
    RecordAdjustment,
    RemoveBudgetLine,
    RenameBudgetLine,
    ReportCommand,
    SetInitialBudget,
    SetNetAssets,
    SetStaffing,
)
from workflow.decisions import decide
from workflow.errors import InvalidValue
from workflow.schemes import load_scheme
from workflow.scoring import score
from workflow.service import execute, load_report
from workflow.stages import Stage

_GROUPING = (
    "expected an amount >= 0 in 万元 with at most 3 decimals and commas only between groups "
    "of three digits, such as '12,345.6'"
)


def _initial(world: World, line: str = "homes") -> Decimal | None:
    state = load_report(world.store, "gusu-rc", 2021).state
    return state.table().figures(line).initial


# --- commas -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1,234", "1234"),
        ("12,345,678.9", "12345678.9"),
        ("1，234.5", "1234.5"),  # the full-width comma follows the same rule
        ("-1,234.5 万元", "-1234.5"),
        ("999,999,999,999.999", "999999999999.999"),
    ],
)
def test_commas_that_group_thousands_are_accepted(typed: str, value: str) -> None:
    amount = parse_amount(typed, subject="s", unit="万元", allow_negative=True)
    assert (amount.value, amount.raw) == (Decimal(value), typed)


@pytest.mark.parametrize("typed", ["1,2,3", "1234,567", "01,234", "1,,234", ",5", "1,234,56"])
def test_commas_anywhere_else_are_refused(seeded: World, typed: str) -> None:
    rejected(
        seeded,
        seeded.preparer,
        SetInitialBudget(**KEY, line="homes", amount=typed),
        InvalidValue,
        f"line 博爱家园建设 年初预算数: got {typed!r}, {_GROUPING}",
    )
    assert _initial(seeded) == Decimal("8")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("12,5", "12.5"), ("12，5", "12.5"), ("0,125", "0.125"), ("12,5 万元", "12.5 万元")],
)
def test_a_decimal_comma_is_refused_with_the_decimal_point_suggested(
    seeded: World, typed: str, meant: str
) -> None:
    rejected(
        seeded,
        seeded.preparer,
        SetInitialBudget(**KEY, line="homes", amount=typed),
        InvalidValue,
        f"line 博爱家园建设 年初预算数: got {typed!r}, {_GROUPING} — did you mean {meant}?",
    )


def test_a_grouped_amount_is_recorded_as_its_value_and_its_text(seeded: World) -> None:
    execute(
        seeded.store,
        seeded.preparer,
        SetInitialBudget(**KEY, line="homes", amount="1,008"),
        now=NOW,
    )
    assert _initial(seeded) == Decimal("1008")


# --- size -------------------------------------------------------------------------------


def test_an_amount_of_10_to_the_12_or_more_is_refused(seeded: World) -> None:
    rejected(
        seeded,
        seeded.preparer,
        SetInitialBudget(**KEY, line="homes", amount="99999999999999999999999"),
        InvalidValue,
        "line 博爱家园建设 年初预算数: got '99999999999999999999999', expected an amount in "
        "万元 below 10^12 (1,000,000,000,000)",
    )
    rejected(
        seeded,
        seeded.preparer,
        RecordAdjustment(
            **KEY, line="homes", amount="-1,000,000,000,000", kind="in_year", reason="压缩预算"
        ),
        InvalidValue,
        "line 博爱家园建设 adjustment: got '-1,000,000,000,000', expected an amount in 万元 "
        "whose absolute value is below 10^12 (1,000,000,000,000)",
    )


def test_the_bound_is_in_the_unit_typed(seeded: World) -> None:
    rejected(
        seeded,
        seeded.preparer,
        SetNetAssets(**KEY, amount="1000000000000", unit="元"),
        InvalidValue,
        "part 1 净资产: got '1000000000000', expected an amount in 元 whose absolute value is "
        "below 10^12 (1,000,000,000,000)",
    )
    execute(seeded.store, seeded.preparer, SetNetAssets(**KEY, amount="999999999999.99"), now=NOW)


# --- blank and multi-line names ---------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            RenameBudgetLine(**KEY, line="homes", name="博爱家园\n建设"),
            "line homes name: got '博爱家园\\n建设', expected a name on one line, "
            "without line breaks",
        ),
        (
            AddBudgetLine(**KEY, line="travel", name="差旅\r\n费", parent="project"),
            "line travel name: got '差旅\\r\\n费', expected a name on one line, "
            "without line breaks",
        ),
        (
            AddIndicator(
                **KEY, indicator="x1", category="部门管理", name="预算\n编制", target="规范"
            ),
            "indicator x1 name: got '预算\\n编制', expected a name on one line, "
            "without line breaks",
        ),
        (
            AddIndicator(**KEY, indicator="x1", category=" \n ", name="预算编制", target="规范"),
            "indicator 预算编制 category: got ' \\n ', expected a non-blank text",
        ),
        (
            SetStaffing(**KEY, internal_units=("办公室", "  "), establishment=4),
            "staffing internal unit 2: got ' ', expected a non-blank text",
        ),
        (
            SetStaffing(**KEY, internal_units=("办公\n室",), establishment=4),
            "staffing internal unit 1: got '办公\\n室', expected a name on one line, "
            "without line breaks",
        ),
    ],
)
def test_blank_or_multi_line_report_names_are_refused(
    seeded: World, command: ReportCommand, message: str
) -> None:
    rejected(seeded, seeded.preparer, command, InvalidValue, message)


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            RegisterDepartment(code="sz-rc", name="  "),
            "department sz-rc name: got ' ', expected a non-blank text",
        ),
        (
            RegisterDepartment(code="sz-rc", name="苏州市\n红十字会"),
            "department sz-rc name: got '苏州市\\n红十字会', expected a name on one line, "
            "without line breaks",
        ),
        (
            RegisterUser(user_id="qian.qi", name="钱\n七"),
            "user qian.qi name: got '钱\\n七', expected a name on one line, without line breaks",
        ),
    ],
)
def test_blank_or_multi_line_department_and_user_names_are_refused(
    world: World, command: RegisterDepartment | RegisterUser, message: str
) -> None:
    rejected(world, world.admin, command, InvalidValue, message)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("channel", "message"),
    [
        ("  ", "publish channel: got ' ', expected a non-blank text"),
        (
            "区政府\n信息公开网",
            "publish channel: got '区政府\\n信息公开网', expected a name on one line, "
            "without line breaks",
        ),
    ],
)
def test_a_publish_channel_typed_must_be_one_non_blank_line(channel: str, message: str) -> None:
    rendered = state_at(Stage.RENDERED)
    with pytest.raises(InvalidValue) as caught:
        decide(rendered, PublishReport(**KEY, channel=channel), HEAD, context())
    assert str(caught.value) == message
    # Naming no channel at all stays allowed.
    assert decide(rendered, PublishReport(**KEY), HEAD, context())[0].channel == ""


def test_line_breaks_stay_legitimate_in_narrative_and_reasons(seeded: World) -> None:
    text = "一、坚持党建引领\n二、把握宣传阵地"
    execute(seeded.store, seeded.preparer, EditNarrative(**KEY, section="3.1", text=text), now=NOW)
    reason = "录入有误，\n该项目并入博爱家园建设"
    execute(
        seeded.store,
        seeded.preparer,
        RemoveBudgetLine(**KEY, line="capacity", reason=reason),
        now=NOW,
    )
    state = load_report(seeded.store, "gusu-rc", 2021).state
    assert state.section("3.1").text == text
    assert state.table().get("capacity") is None


# --- the score as shown -----------------------------------------------------------------


def test_the_view_shows_weights_and_points_to_the_cent_the_card_keeps_them_exact() -> None:
    draft = seed_draft("national-10-90")
    shown = report_view(draft)["score"]
    assert shown["total"] == "97.35"
    by_id = {i["indicator"]: i for i in shown["indicators"]}
    assert (by_id["m01"]["weight"], by_id["m01"]["points"]) == ("2.65", "2.65")
    assert by_id["m03"]["points"] == "0.00"  # 预算调整率 7.6% missed its 0% target
    assert all(len(i["weight"].partition(".")[2]) == 2 for i in shown["indicators"])
    assert all(len(i["points"].partition(".")[2]) == 2 for i in shown["indicators"])
    card = score(draft)
    assert card is not None
    assert card.indicators[0].weight == Decimal(90) / len(card.indicators)
    assert load_scheme("national-10-90").scoring.indicator_points == Decimal(90)
