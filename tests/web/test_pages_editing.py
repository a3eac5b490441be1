"""The preparer's forms on the report page: every cell recorded as its own event, and every
refusal shown in one line beside its form, with what was typed kept and nothing recorded."""

from __future__ import annotations

import pytest

from tests.web.conftest import PAGE, Site, sign_in
from tests.web.page_helpers import (
    STREAM,
    command,
    editing,
    element,
    events,
    item_of,
    post_form,
    row,
)
from tests.workflow.world import NOW
from workflow.service import execute


@pytest.fixture
def preparer(site: Site):
    client = site.client()
    sign_in(client, site, "zhang.san")
    return client


def test_the_preparer_page_has_a_form_for_every_cell(site: Site, preparer) -> None:
    # Each item's forms are in its edit block, which the page shows for ?edit= (its 编辑
    # link); the forms of no item (a new line, the overview, the actions) are always there.
    for form_id in (
        "initial-homes",
        "actual-homes",
        "adjust-homes",
        "rename-homes",
        "remove-homes",
        "line-add",
        "indicator-actual-d04",
        "indicator-score-d04",
        "indicator-target-d04",
        "indicator-line-d04",
        "indicator-remove-d04",
        "indicator-add",
        "functions-form",
        "staffing-form",
        "net-assets-form",
        "narrative-1.3",
        "narrative-new",
        "submit-form",
    ):
        assert f'id="{form_id}"' in editing(preparer, form_id), form_id
    page = editing(preparer, "initial-homes")
    homes = element(page, "initial-homes")
    assert 'action="/reports/gusu-rc/2021/commands/set-initial-budget"' in homes
    assert 'name="csrf_token"' in homes and "年初预算数" in homes and 'value="8"' in homes
    # A parent line's figures are sums: it has no amount forms.
    total = editing(preparer, "rename-total")
    assert 'id="initial-total"' not in total and 'id="rename-total"' in total
    assert 'id="grading"' not in page and 'id="return-form"' not in page
    assert 'href="/reports/gusu-rc/2021/import"' in page


@pytest.mark.parametrize(
    ("name", "form_id", "fields", "event"),
    [
        (
            "set-initial-budget",
            "initial-homes",
            {"line": "homes", "amount": "9"},
            "InitialBudgetSet",
        ),
        (
            "record-actual-spending",
            "actual-homes",
            {"line": "homes", "amount": "3.1"},
            "ActualSpendingRecorded",
        ),
        (
            "rename-budget-line",
            "rename-homes",
            {"line": "homes", "name": "博爱家园", "reason": "统一名称"},
            "BudgetLineRenamed",
        ),
        (
            "add-budget-line",
            "line-add",
            {"line": "new-line", "name": "新项目", "parent": "project"},
            "BudgetLineAdded",
        ),
        (
            "record-indicator-actual",
            "indicator-actual-d04",
            {"indicator": "d04", "actual": "3 人次", "deviation_reason": "场地不足"},
            "IndicatorActualRecorded",
        ),
        (
            "set-indicator-score",
            "indicator-score-d04",
            {"indicator": "d04", "score": "9"},
            "IndicatorScoreTyped",
        ),
        (
            "adjust-indicator-target",
            "indicator-target-d04",
            {"indicator": "d04", "target": "6", "reason": "年中追加"},
            "IndicatorTargetAdjusted",
        ),
        (
            "set-indicator-line",
            "indicator-line-d04",
            {"indicator": "d04", "line": "", "reason": "不对应项目"},
            "IndicatorLineSet",
        ),
        (
            "remove-indicator",
            "indicator-remove-d04",
            {"indicator": "d04", "reason": "重复录入"},
            "IndicatorRemoved",
        ),
        (
            "set-functions",
            "functions-form",
            {"functions": "宣传贯彻红十字会法\n\n开展备灾救灾工作\n"},
            "FunctionsSet",
        ),
        (
            "set-staffing",
            "staffing-form",
            {"internal_units": "", "establishment": "4", "in_post": "正科=1\n科员=3"},
            "StaffingSet",
        ),
        (
            "set-net-assets",
            "net-assets-form",
            {"amount": "25000", "unit": "元", "as_of": "2021-12-31"},
            "NetAssetsSet",
        ),
        (
            "edit-narrative",
            "narrative-3.1",
            {"section": "3.1", "title": "", "text": "问题与原因。", "figures": ""},
            "NarrativeEdited",
        ),
    ],
)
def test_a_form_records_its_command_and_returns_to_the_form(
    site: Site, preparer, name: str, form_id: str, fields: dict, event: str
) -> None:
    before = site.head()
    done = command(preparer, name, form_id, **fields)
    assert done.status_code == 303, done.text[-600:]
    # Back to the form, the item's edit block shown: the preparer goes on editing the item
    # (a removed item has none).
    item = None if "remove" in form_id else item_of(form_id)
    edit = f"&edit={item}" if item else ""
    assert done.headers["location"] == f"{PAGE}?done={name}{edit}#{form_id}"
    assert site.head() == before + 1
    recorded = events(site)[-1]
    assert recorded.event_type == event and recorded.actor == "zhang.san"
    back = preparer.get(done.headers["location"]).text
    assert 'role="status"' in back
    if item:
        assert f'id="{form_id}"' in element(back, item, "details")


def test_the_recorded_values_are_what_was_typed(site: Site, preparer) -> None:
    command(preparer, "set-staffing", "staffing-form", establishment="5", in_post="正科=1\n科员=4")
    command(preparer, "set-functions", "functions-form", functions="一\n\n二")
    *_, staffing, functions = events(site)
    assert staffing.event.staffing.establishment == 5
    assert [(r.rank, r.count) for r in staffing.event.staffing.in_post] == [
        ("正科", 1),
        ("科员", 4),
    ]
    assert functions.event.functions == ("一", "二")
    page = preparer.get(PAGE).text
    assert "编制 5 人，在职 5 人" in page and "<li>二</li>" in page


def test_an_adjustment_with_kind_reason_and_document_then_cancelled(site: Site, preparer) -> None:
    done = command(
        preparer,
        "record-adjustment",
        "adjust-homes",
        line="homes",
        amount="-0.5",
        kind="carry_over",
        reason="项目压缩",
        document="姑财预〔2021〕12号",
    )
    assert done.status_code == 303
    recorded = events(site)[-1]
    assert recorded.event_type == "AdjustmentRecorded"
    page = editing(preparer, "adjust-homes")
    adjustment = recorded.event.adjustment.id
    listed = row(page, f'data-adjustment="{adjustment}"')
    assert (
        "-0.5" in listed and "当年使用上年结余、结转" in listed and "姑财预〔2021〕12号" in listed
    )
    cancel = f"cancel-homes-{adjustment}"
    assert f'id="{cancel}"' in listed
    done = command(
        preparer,
        "cancel-adjustment",
        cancel,
        line="homes",
        adjustment=adjustment,
        reason="录入错误",
    )
    assert done.status_code == 303 and events(site)[-1].event_type == "AdjustmentCancelled"
    # Back to the line's edit block, the cancelled adjustment struck through in it.
    assert done.headers["location"].endswith(f"&edit=line-homes#{cancel}")
    back = preparer.get(done.headers["location"]).text
    assert "已撤销" in row(back, f'data-adjustment="{adjustment}"')


def test_adding_an_indicator_and_removing_a_line(site: Site, preparer) -> None:
    done = command(
        preparer,
        "add-indicator",
        "indicator-add",
        indicator="d99",
        category="部门履职及效果",
        project="",
        name="新增指标",
        target="≥2 场",
        budget_line="homes",
        weight="",
    )
    assert done.status_code == 303
    added = events(site)[-1]
    assert added.event_type == "IndicatorAdded" and added.event.indicator.budget_line == "homes"
    assert "新增指标" in row(preparer.get(PAGE).text, 'data-indicator="d99"')
    command(preparer, "add-budget-line", "line-add", line="spare", name="备用", parent="project")
    done = command(preparer, "remove-budget-line", "remove-spare", line="spare", reason="多余")
    assert done.status_code == 303 and events(site)[-1].event_type == "BudgetLineRemoved"
    assert 'data-line="spare"' not in preparer.get(PAGE).text


@pytest.mark.parametrize(
    ("name", "form_id", "fields", "status", "message", "kept"),
    [
        (
            "set-initial-budget",
            "initial-homes",
            {"line": "homes", "amount": "abc"},
            422,
            "line 博爱家园建设 年初预算数: got &#39;abc&#39;, expected an amount",
            'value="abc"',
        ),
        (
            "record-adjustment",
            "adjust-homes",
            {"line": "homes", "amount": "1", "kind": "in_year", "reason": "", "document": "文号"},
            422,
            "reason",
            'value="文号"',
        ),
        (
            "set-staffing",
            "staffing-form",
            {"establishment": "4", "in_post": "科员两人"},
            422,
            "in_post: got &#39;科员两人&#39;, expected RANK=COUNT such as 科员=2",
            "科员两人</textarea>",
        ),
        (
            "set-staffing",
            "staffing-form",
            {"establishment": "four", "in_post": ""},
            422,
            "establishment: got &#39;four&#39;, expected a whole number from 0",
            'value="four"',
        ),
        (
            "set-net-assets",
            "net-assets-form",
            {"amount": "1", "unit": "元", "as_of": "31/12/2021"},
            422,
            "as_of: got &#39;31/12/2021&#39;, expected a date YYYY-MM-DD",
            'value="31/12/2021"',
        ),
        (
            "edit-narrative",
            "narrative-new",
            {"section": "1.9", "title": "", "text": "x", "figures": "donations"},
            422,
            "figures: got &#39;donations&#39;, expected KEY=LABEL=VALUE",
            "donations</textarea>",
        ),
        (
            "add-budget-line",
            "line-add",
            {"line": "homes", "name": "重复", "parent": "project"},
            409,
            "homes",
            'value="重复"',
        ),
        (
            "record-indicator-actual",
            "indicator-actual-d04",
            {"indicator": "d04", "actual": "5 人次", "deviation_reason": ""},
            None,
            None,
            None,
        ),
    ],
)
def test_a_refusal_is_shown_beside_its_form_and_nothing_is_recorded(
    site: Site,
    preparer,
    name: str,
    form_id: str,
    fields: dict,
    status: int | None,
    message: str | None,
    kept: str | None,
) -> None:
    before = site.head()
    answer = command(preparer, name, form_id, **fields)
    if status is None:  # a value the rules accept: the control case
        assert answer.status_code == 303 and site.head() == before + 1
        return
    assert answer.status_code == status, answer.text[-800:]
    assert site.head() == before
    form = element(answer.text, form_id)
    assert 'class="refusal"' in form and message in form
    assert kept in form
    refusal = form.split('class="refusal"', 1)[1].split("</p>", 1)[0]
    assert "\n" not in refusal  # one line


def test_a_refused_form_is_opened_and_the_others_keep_their_values(site: Site, preparer) -> None:
    answer = command(preparer, "record-actual-spending", "actual-homes", line="homes", amount="x")
    assert answer.status_code == 422
    assert '<details class="item" id="line-homes" data-line="homes" open>' in answer.text
    assert 'class="refusal"' not in element(answer.text, "initial-homes")
    # The other items are their summaries, as on the page without a refusal.
    assert 'id="actual-it"' not in answer.text
    assert f'data-edit="{PAGE}/edit/line/it">' in answer.text


def test_a_reviewer_sees_no_editing_form_and_cannot_post_one(site: Site) -> None:
    head = site.client()
    sign_in(head, site, "li.si")
    page = head.get(PAGE).text
    assert 'id="editing"' not in page and 'id="initial-homes"' not in page
    before = site.head()
    answer = command(head, "set-initial-budget", "initial-homes", line="homes", amount="1")
    assert answer.status_code == 403 and site.head() == before
    # The form is not on the head's page: the refusal heads the page, in one line.
    assert 'id="initial-homes"' not in answer.text
    assert "未记录：" in answer.text and "department_head" in answer.text


def test_forms_need_their_csrf_token(site: Site, preparer) -> None:
    before = site.head()
    answer = preparer.post(
        f"{PAGE}/commands/set-initial-budget",
        data={"line": "homes", "amount": "1", "revision": "1"},
        follow_redirects=False,
    )
    assert answer.status_code == 403 and "csrf_token: missing or wrong" in answer.text
    answer = preparer.post(
        f"{PAGE}/commands/set-initial-budget",
        data={"csrf_token": "forged", "line": "homes", "amount": "1"},
        follow_redirects=False,
    )
    assert answer.status_code == 403 and site.head() == before


def test_another_departments_preparer_gets_404_for_the_page_and_its_forms(site: Site) -> None:
    other = site.client()
    sign_in(other, site, "sun.qi")
    assert other.get(PAGE).status_code == 404
    before = site.head()
    answer = post_form(
        other,
        f"{PAGE}/commands/set-initial-budget",
        {"line": "homes", "amount": "1", "revision": "1"},
        page="/inbox",
    )
    assert answer.status_code == 404 and "not found" in answer.text
    assert site.head() == before
    assert events(site, STREAM)[-1].actor == "zhang.san"


def test_an_unknown_command_is_not_found(site: Site, preparer) -> None:
    answer = post_form(preparer, f"{PAGE}/commands/drop-table", {})
    assert answer.status_code == 404 and "command: got &#39;drop-table&#39;" in answer.text


def test_an_indicator_typed_in_the_forms_cells_and_a_score_shown_beside_the_rule(
    site: Site, preparer
) -> None:
    done = command(
        preparer,
        "add-indicator",
        "indicator-add",
        indicator="d98",
        category="产出指标",
        project="",
        name="验收合格率",
        nature="≧",
        target="95",
        unit="百分比",
        core="1",
        budget_line="",
        weight="",
    )
    assert done.status_code == 303, done.text[-600:]
    added = events(site)[-1].event.indicator
    assert (added.target.raw, added.nature, added.unit, added.core) == ("≧95百分比", "≥", "%", True)
    refused = command(
        preparer,
        "add-indicator",
        "indicator-add",
        indicator="d97",
        category="产出指标",
        name="验收合格率",
        nature="大约",
        target="95",
        unit="%",
    )
    assert refused.status_code == 422
    assert "指标性质: got &#39;大约&#39;, expected one of =, ≥, ≤, &gt;, &lt;, 定性, 定量" in (
        refused.text
    )


def test_a_scored_report_page_lists_each_typed_score_that_differs(site: Site) -> None:
    from tests.workflow.world import DEADLINE
    from workflow.administration import OpenFiscalYear
    from workflow.commands import (
        AddBudgetLine,
        AddIndicator,
        OpenReport,
        RecordActualSpending,
        RecordIndicatorActual,
        SetInitialBudget,
    )

    admin, preparer = site.users["admin"], site.users["zhang.san"]
    year = {"department": "gusu-rc", "year": 2022}
    execute(
        site.store,
        admin,
        OpenFiscalYear(year=2022, scheme="national-10-90", deadline=DEADLINE.replace(year=2023)),
    )
    for step in (
        OpenReport(**year),
        AddBudgetLine(**year, line="total", name="项目资金"),
        SetInitialBudget(**year, line="total", amount="10"),
        RecordActualSpending(**year, line="total", amount="10"),
        AddIndicator(
            **year,
            indicator="p1",
            category="产出指标",
            name="培训人次",
            target="≥100 人次",
            weight="90",
        ),
        RecordIndicatorActual(**year, indicator="p1", actual="120"),
    ):
        execute(site.store, preparer, step, now=NOW)
    client = site.client()
    sign_in(client, site, "zhang.san")
    base = "/reports/gusu-rc/2022"
    page = client.get(base).text
    assert 'id="execution-score-form"' in page
    done = post_form(
        client,
        f"{base}/commands/set-indicator-score",
        {"form_id": "indicator-score-p1", "revision": "1", "indicator": "p1", "score": "80"},
        page=base,
    )
    assert done.status_code == 303, done.text[-600:]
    page = client.get(base).text
    line = "indicator p1 培训人次 得分: typed 80, the rule gives 90 (met, 分值 90)"
    assert line in element(page, "score-differences", "ul")
    assert line in element(page, "notices", "section")
