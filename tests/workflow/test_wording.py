"""The one-line confirmations: made from the events recorded and the state after them."""

from __future__ import annotations

from tests.workflow.report_builders import HEAD, KEY, PREPARER, context, seed_draft
from workflow.commands import RecordAdjustment, ReturnReport, SubmitReport
from workflow.decisions import decide
from workflow.labels import STAGE_LABELS, labelled
from workflow.report import fold
from workflow.stages import Stage
from workflow.wording import NEXT_STEPS, confirmation


def _said(state, command, who):
    events = decide(state, command, who, context())
    after = fold(events, state)
    return confirmation(events, after), after


def test_each_step_of_the_flow_says_where_the_report_is_and_who_has_it() -> None:
    said, submitted = _said(seed_draft(), SubmitReport(**KEY), PREPARER)
    assert said == "已提交 姑苏区红十字会 2021 年度报告（submitted），等待部门负责人审核"
    said, _ = _said(submitted, ReturnReport(**KEY, comment="请核对", items=("line:homes",)), HEAD)
    assert (
        said
        == "部门负责人 li.si 已退回 姑苏区红十字会 2021 年度报告（draft），等待填报人修改并提交"
    )
    assert set(NEXT_STEPS) == set(Stage) - {Stage.NEW}


def test_content_changes_name_their_ids() -> None:
    command = RecordAdjustment(
        **KEY, line="homes", amount="-0.5", kind="in_year", reason="压缩", document=""
    )
    said, after = _said(seed_draft(), command, PREPARER)
    made = after.line("homes").adjustments[-1].id
    assert said == f"已记录 homes 预算调整 {made}（-0.5）：姑苏区红十字会 2021 年度报告（draft）"


def test_nothing_recorded_and_unknown_states_are_said_plainly() -> None:
    assert confirmation([]) == "没有新记录：报告中已是这样（nothing to record）"
    assert labelled("draft", STAGE_LABELS) == "草稿（draft）"
    assert labelled("lost", STAGE_LABELS) == "lost"
