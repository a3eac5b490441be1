"""Consistency notices: narrative figures that nearly, but not exactly, state an indicator's
actual; pointed out to reviewers, never blocking."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.workflow.report_builders import KEY, PREPARER, context, run, run_all, seed_draft
from workflow.checks import submission_notices, submission_problems
from workflow.commands import EditNarrative, RecordIndicatorActual, SubmitReport
from workflow.consistency import Notice, consistency_notices, is_close
from workflow.decisions import decide
from workflow.report import ReportState
from workflow.report_events import ReportSubmitted

SEED_NOTICE = (
    "section 1.3 figure 接收社会捐赠款物 156.86 万元 differs from indicator d07 爱心款物募集 "
    "actual 156 万元"
)


def _with_actual(indicator: str, actual: str, state: ReportState | None = None) -> ReportState:
    command = RecordIndicatorActual(
        **KEY, indicator=indicator, actual=actual, deviation_reason="……"
    )
    return run(state or seed_draft(), command, PREPARER)


def _with_section(section: str, *figures: tuple[str, str, str]) -> ReportState:
    command = EditNarrative(
        **KEY, section=section, title="补充说明", text="补充说明。", figures=figures
    )
    return run(seed_draft(), command, PREPARER)


def test_the_seed_has_exactly_one_notice_156_86_against_156() -> None:
    assert consistency_notices(seed_draft()) == [
        Notice(
            section="1.3",
            figure="donations",
            label="接收社会捐赠款物",
            figure_raw="156.86 万元",
            indicator="d07",
            name="爱心款物募集",
            actual_raw="156 万元",
        )
    ]
    assert [n.message for n in consistency_notices(seed_draft())] == [SEED_NOTICE]


def test_equal_values_give_no_notice_whatever_their_precision() -> None:
    assert consistency_notices(_with_actual("d07", "156.86 万元")) == []
    # 156.860 is 156.86 as a decimal: a trailing zero is no disagreement.
    assert consistency_notices(_with_actual("d07", "156.860万元")) == []


@pytest.mark.parametrize("actual", ["150 万元", "160 万元", "50 万元"])
def test_far_apart_values_are_different_things_and_give_no_notice(actual: str) -> None:
    # 150 is 4.4% below 156.86 (and 3.0% below 154.59); 160 is 2% above.
    assert consistency_notices(_with_actual("d07", actual)) == []


def test_different_units_give_no_notice() -> None:
    # 1568000 元 is 156.8 万元, but units are compared as typed, never converted.
    assert consistency_notices(_with_actual("d07", "1568000 元")) == []
    # 培训初级救护员 2910 人 in the narrative, d03 in 人次: within 1%, but another unit.
    assert [n.indicator for n in consistency_notices(_with_actual("d03", "2911人次"))] == ["d07"]


def test_each_indicator_is_compared_with_the_nearest_figure_only() -> None:
    # 155 万元 is within 1% of both 154.59 (发放救助款物) and 156.86 (接收社会捐赠款物);
    # only the nearer one is named.
    (notice,) = consistency_notices(_with_actual("d07", "155 万元"))
    assert notice.message == (
        "section 1.3 figure 发放救助款物 154.59 万元 differs from indicator d07 爱心款物募集 "
        "actual 155 万元"
    )
    # A figure that states the actual exactly settles it, even with another one close by.
    state = _with_section("1.3.9", ("registrations", "造血干细胞登记（含线上）", "224 人"))
    assert [n.indicator for n in consistency_notices(state)] == ["d07"]  # d09 says 223 人


def test_notices_come_in_section_then_figure_order() -> None:
    # d01 comes before d07 in the table, but section 1.3.9 after section 1.3.
    state = _with_section(
        "1.3.9", ("members", "新招募志愿者", "38.2 人"), ("events", "大型活动", "3.02 场")
    )
    assert [n.message for n in consistency_notices(state)] == [
        SEED_NOTICE,
        "section 1.3.9 figure 新招募志愿者 38.2 人 differs from indicator d13 志愿者招募 "
        "actual 38 人",
        "section 1.3.9 figure 大型活动 3.02 场 differs from indicator d01 开展大型活动 actual 3 场",
    ]


def test_bounds_and_grades_are_not_figures() -> None:
    # ≥156 万元 says at least 156: no single value to disagree with 156.86.
    assert consistency_notices(_with_actual("d07", "≥156 万元")) == []
    state = _with_section("1.3.9", ("share", "达标率", "≥99.5%"))
    assert consistency_notices(state) == consistency_notices(seed_draft())


def test_a_notice_is_one_line_even_when_the_cell_wraps() -> None:
    (notice,) = consistency_notices(_with_actual("d07", "156\n万元"))
    assert notice.actual_raw == "156\n万元"
    assert notice.message == SEED_NOTICE


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [
        ("156.86", "156", True),
        ("100", "101", True),  # 1 is 0.99% of 101
        ("100", "99", True),  # 1 is exactly 1% of 100
        ("100", "101.1", False),
        ("156.86", "156.86", False),
        ("32", "32.00", False),
        ("0", "0.001", False),
        ("-22.81", "-22.9", True),
    ],
)
def test_close_means_different_by_at_most_one_percent_of_the_larger(
    a: str, b: str, close: bool
) -> None:
    assert is_close(Decimal(a), Decimal(b)) is close
    assert is_close(Decimal(b), Decimal(a)) is close


def test_notices_never_block_submission() -> None:
    draft = seed_draft()
    assert submission_problems(draft) == []
    assert submission_notices(draft) == [SEED_NOTICE]
    (submitted,) = decide(draft, SubmitReport(**KEY), PREPARER, context())
    assert isinstance(submitted, ReportSubmitted)
    # Nothing about notices is recorded: they are computed from the report whenever read.
    assert submitted == ReportSubmitted(revision=1, by="zhang.san")
    reviewed = run_all(draft, [(SubmitReport(**KEY), PREPARER)])
    assert consistency_notices(reviewed) == consistency_notices(draft)
