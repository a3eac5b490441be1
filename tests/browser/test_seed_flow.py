"""The seed report's whole life in a real browser, by four people in four browser contexts:
sign in, import, submit, a return pinned to an indicator that the preparer then sees beside
it, the fix, resubmission, two approvals, two signatures, the rendered PDF, and the
auditor's look at the report as it was and at what changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Site
from tests.browser.steps import (
    as_of,
    diff,
    download,
    edit_without_the_script,
    import_seed_report,
    open_edit_block,
    open_report_from_inbox,
    press,
    record_indicator_actual,
    sha256_of,
    sign_in,
    trail_positions,
    wait_until_rendered,
)

pytestmark = pytest.mark.slow

#: 预算调整率: 7.6% against a target of 0%, explained only as 压缩预算.
INDICATOR = "m03"
INDICATOR_NAME = "预算调整率"
COMMENT = "预算调整率偏差原因过于简略，请写明压缩了哪些支出、各多少万元。"
OLD_REASON = "压缩预算"
NEW_REASON = "年中压缩预算 22.81 万元：基本支出 18.01 万元，项目支出 4.8 万元。"


def test_the_seed_report_from_import_to_audit_in_four_browsers(site: Site) -> None:
    people = site.people
    preparer, head, finance, auditor = (
        people[user] for user in ("zhang.san", "li.si", "wang.wu", "zhao.liu")
    )
    for person in (preparer, head, finance, auditor):
        sign_in(person)

    # The preparer enters the seed report and submits it from its page.
    assert import_seed_report(preparer) > 100
    page = open_report_from_inbox(preparer)
    expect(page.locator("table.budget-table tbody tr")).to_have_count(12)
    expect(page.locator("table.indicator-table tbody tr")).to_have_count(34)
    # Each item of the 填报 part is its summary; opened, its forms come (the page's script).
    expect(page.locator("section.editing form")).to_have_count(6)
    block = open_edit_block(preparer, "line", "it")
    expect(block.locator("#actual-it").get_by_label("实际支出数")).to_be_visible()
    expect(page.locator('details[data-line="homes"] form')).to_have_count(0)
    preparer.shoot("draft", whole=True)
    # Were a block not to come, its 编辑 link leads to the page with its forms.
    block = edit_without_the_script(preparer, "line", "homes")
    expect(block.locator("#actual-homes").get_by_label("实际支出数")).to_be_visible()
    press(preparer, "提交审核", "已提交审核", stage="已提交", shot="submitted")
    submitted_at = datetime.now(UTC).isoformat()

    # The department head returns it, the comment pinned to the indicator by ticking it.
    page = open_report_from_inbox(head)
    row = page.locator(f'tr[data-indicator="{INDICATOR}"]')
    row.get_by_role("checkbox").check()
    page.get_by_label("退回意见", exact=True).fill(COMMENT)
    head.shoot("returning")
    press(head, "退回修改", "已退回修改", stage="草稿", shot="returned")

    # The preparer sees the comment beside that indicator, and nowhere else.
    page = open_report_from_inbox(preparer)
    beside = page.locator(f'tr[data-indicator="{INDICATOR}"] td.comments .pinned-comment')
    expect(beside).to_contain_text(COMMENT)
    expect(beside).to_contain_text("li.si")
    # Beside its row in the table and atop its edit block, and beside nothing else.
    mine = page.locator(
        f'tr[data-indicator="{INDICATOR}"] .pinned-comment, '
        f'details[data-indicator="{INDICATOR}"] .pinned-comment'
    )
    expect(mine).to_have_count(2)
    expect(page.locator(".pinned-comment")).to_have_count(2)
    expect(page.locator("section.history li.return")).to_contain_text(COMMENT)
    preparer.shoot("comment-beside-indicator", whole=True)

    # The fix, then the resubmission.
    page = record_indicator_actual(preparer, INDICATOR, "7.6%", NEW_REASON)
    expect(page.locator(f'tr[data-indicator="{INDICATOR}"]')).to_contain_text(NEW_REASON)
    press(preparer, "提交审核", "已提交审核", stage="已提交", shot="resubmitted")

    # Two approvals, then two signatures (the seed scheme's signers: head and finance).
    page = open_report_from_inbox(head)
    page.get_by_label("审核意见", exact=True).fill("同意")
    press(head, "审核通过", "已审核通过", stage="部门已审核", shot="approved")
    open_report_from_inbox(finance)
    press(finance, "审核通过", "已审核通过", stage="财政已审核", shot="approved")
    open_report_from_inbox(head)
    press(head, "会签", "已会签", stage="财政已审核", shot="signed")
    open_report_from_inbox(finance)
    press(finance, "会签", "已会签", stage="已会签", shot="signed")

    # The worker renders the signed-off revision; the PDF downloaded is the one recorded.
    page = wait_until_rendered(auditor)
    history = page.locator("section.history")
    for line in ("li.si 审核通过：同意", "wang.wu 审核通过", "li.si 已会签", "wang.wu 已会签"):
        expect(history).to_contain_text(line)
    expect(page.locator("section.files tr[data-format]")).to_have_count(4)
    auditor.shoot("rendered", whole=True)
    pdf, shown_sha256 = download(auditor, "pdf")
    assert pdf.startswith(b"%PDF-")
    assert sha256_of(pdf) == shown_sha256

    # The auditor: the report as it was when first submitted, the preparer's changes to the
    # indicator in the trail, and what changed from the submission to the fix.
    page = as_of(auditor, submitted_at)
    expect(page.locator("#as-of-summary .stage")).to_have_text("已提交")
    row = page.locator(f'tr[data-indicator="{INDICATOR}"]')
    expect(row).to_contain_text(OLD_REASON)
    expect(row).not_to_contain_text(NEW_REASON)
    positions = trail_positions(auditor, f"indicator:{INDICATOR}", preparer.user_id)
    assert len(positions) == 3, positions  # added and measured by the import, then fixed
    changed = diff(auditor, submitted_at, str(positions[-1]))
    assert changed.get(f"indicators[{INDICATOR_NAME}].deviation.raw") == (OLD_REASON, NEW_REASON), (
        changed
    )
    assert changed.get("stage") == ("submitted", "draft"), changed
    before, returned = changed["returns[0]"]
    assert before == "—"
    note = json.loads(returned)
    assert (note["by"], note["comment"]) == ("li.si", COMMENT)
    assert note["items"] == [{"kind": "indicator", "id": INDICATOR}]
