"""The steps of the seed flow, as the people take them in their browsers: each works the
pages as a person would (follow a link, fill, tick, upload, click, download) and reads back
what the page shows."""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from cli.seed_file import SEED_FILE
from tests.browser.conftest import Person
from tests.seed import DEPARTMENT_CODE, YEAR

#: The seed report's page.
REPORT_PAGE = f"/reports/{DEPARTMENT_CODE}/{YEAR}"


def sign_in(person: Person) -> Page:
    """Sign in through the sign-in page; the inbox it lands on."""
    page = person.visit("/sign-in")
    expect(page).to_have_title(re.compile("登录"))
    person.shoot("sign-in")
    page.get_by_label("用户名").fill(person.user_id)
    page.get_by_label("令牌").fill(person.token)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(person.base + "/inbox")
    expect(page.locator("header .who")).to_have_text(f"{person.name}（{person.user_id}）")
    person.shoot("inbox")
    return page


def open_report_from_inbox(person: Person) -> Page:
    """Follow the seed report's link in the inbox (where it waits for the person) to its page."""
    page = person.visit("/inbox")
    waiting = page.locator("table.inbox").get_by_role("link", name="姑苏区红十字会")
    expect(waiting).to_be_visible()
    person.shoot("inbox")
    waiting.click()
    expect(page).to_have_url(person.base + REPORT_PAGE)
    return page


def press(person: Person, button: str, done: str, *, stage: str, shot: str) -> Page:
    """Press one of the report page's action buttons; the page that confirms it, showing
    the stage the report is now in."""
    page = person.page
    page.locator("section.actions").get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_role("status")).to_have_text(done)
    expect(page.locator(".report-meta .stage")).to_have_text(stage)
    person.shoot(shot)
    return page


def stage_of(page: Page) -> str:
    """The stage label the report page shows."""
    return page.locator(".report-meta .stage").inner_text()


def import_seed_report(person: Person) -> int:
    """Upload the bundled seed report file in the upload page the inbox links to, read the
    check's preview, then confirm; how many changes the preview said it would record."""
    page = person.visit("/inbox")
    page.locator(f"#import-{DEPARTMENT_CODE}-{YEAR}").click()
    expect(page).to_have_url(person.base + REPORT_PAGE + "/import")
    page.locator("#import-file").set_input_files(SEED_FILE)
    person.shoot("upload")
    page.locator("#import-check").click()
    summary = page.locator("#preview-summary")
    expect(summary).to_contain_text("没有问题")
    expect(summary).to_contain_text(f"{SEED_FILE.name}（{SEED_FILE.stat().st_size} 字节")
    expect(summary).to_contain_text(sha256_of(SEED_FILE.read_bytes()))
    expect(page.locator('tr[data-command="AddIndicator"] td.figure')).to_have_text("34")
    person.shoot("import-preview", whole=True)
    commands = int(summary.locator("strong").inner_text())
    page.locator("#import-confirm").click()
    expect(page).to_have_url(person.base + REPORT_PAGE + "?done=import")
    expect(page.get_by_role("status")).to_have_text("已导入，所有修改已作为一次修改记录")
    person.shoot("imported")
    return commands


def open_edit_block(person: Person, kind: str, item: str) -> Locator:
    """Open an item of the report page's 填报 part (``kind`` line, indicator or section) as
    a person does, by clicking its summary (unless it is open already, as an item with a
    return comment is); its edit block, once the page's script has put the item's forms in
    place of the summary's 编辑 link (docs/decisions/0623)."""
    block = person.page.locator(f'details[data-{kind}="{item}"]')
    if block.get_attribute("open") is None:
        block.locator("summary").click()
    expect(block).to_have_attribute("open", "")
    expect(block).to_have_attribute("data-loaded", "yes")
    expect(block.locator("form").first).to_be_visible()
    expect(block.get_by_role("link", name="编辑")).to_have_count(0)
    return block


def edit_without_the_script(person: Person, kind: str, item: str) -> Locator:
    """Open an item whose edit block does not come (its fetch fails, as with the server out
    of reach): the summary stays, with its 编辑 link, which leads to the page with the item's
    forms open, as it does without JavaScript; that block."""
    page = person.page
    block = page.locator(f'details[data-{kind}="{item}"]')
    source = f"**/edit/{kind}/{item}"
    page.route(source, lambda route: route.abort())
    try:
        with page.expect_event("requestfailed"):
            block.locator("summary").click()
    finally:
        page.unroute(source)
    expect(block).to_have_attribute("open", "")
    expect(block.locator("form")).to_have_count(0)
    link = block.get_by_role("link", name="编辑")
    with page.expect_navigation():
        link.click()
    expect(page).to_have_url(re.compile(rf"\?edit={kind}-{re.escape(item)}#{kind}-"))
    shown = page.locator(f"#{kind}-{item}")
    expect(shown).to_have_attribute("open", "")
    expect(shown.locator("form").first).to_be_visible()
    return shown


def record_indicator_actual(person: Person, indicator: str, actual: str, reason: str) -> Page:
    """Fill the indicator's 指标完成值 and 偏差原因分析 in its edit block on the report page
    (open, with the comment pinned to it atop) and save; the page saying it was saved."""
    page = person.page
    block = page.locator(f'details[data-indicator="{indicator}"]')
    expect(block).to_have_attribute("open", "")
    expect(block.locator(".pinned-comment")).to_be_visible()
    block = open_edit_block(person, "indicator", indicator)
    expect(block.locator(".pinned-comment")).to_be_visible()
    form = block.locator(f"#indicator-actual-{indicator}")
    form.get_by_label("指标完成值").fill(actual)
    form.get_by_label("偏差原因分析").fill(reason)
    form.scroll_into_view_if_needed()
    person.shoot("fixing")
    form.get_by_role("button").click()
    expect(page.get_by_role("status")).to_have_text("已保存指标完成值")
    expect(page).to_have_url(re.compile(rf"#indicator-actual-{indicator}$"))
    return page


def wait_until_rendered(person: Person, seconds: float = 40) -> Page:
    """Reload the report page until the render worker has recorded the files; the page."""
    deadline = time.monotonic() + seconds
    page = person.visit(REPORT_PAGE)
    while stage_of(page) != "已生成":
        assert time.monotonic() < deadline, f"not rendered within {seconds} s: {stage_of(page)}"
        time.sleep(0.5)
        page.reload()
    return page


def download(person: Person, fmt: str) -> tuple[bytes, str]:
    """Click the report page's download link of a rendered file; the bytes the browser
    saved, and the SHA-256 the page shows for that file."""
    page = person.page
    row = page.locator(f'section.files tr[data-format="{fmt}"]')
    shown = row.locator("code.sha256").inner_text()
    with page.expect_download() as started:
        row.locator(f"#download-{fmt}").click()
    saved = started.value
    assert saved.failure() is None, saved.failure()
    return Path(saved.path()).read_bytes(), shown


def sha256_of(data: bytes) -> str:
    """The hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def fill_linked_form(
    person: Person, link: str, fields: dict[str, str], send: str, shown: str, shot: str
) -> Page:
    """Follow the report page's ``link`` (an element id), fill the form there (``fields``:
    input id → text), send it with the ``send`` button and wait for ``shown``; the page,
    photographed whole."""
    page = person.visit(REPORT_PAGE)
    # Each click loads a new page: wait for it, or the form (and then the answer) may be
    # read from the page being left.
    with page.expect_navigation():
        page.locator(f"#{link}").click()
    for field, text in fields.items():
        page.locator(f"#{field}").fill(text)
    with page.expect_navigation():
        page.locator(f"#{send}").click()
    expect(page.locator(f"#{shown}")).to_be_visible()
    person.shoot(shot, whole=True)
    return page


def trail_positions(person: Person, item: str, by: str) -> list[int]:
    """Filter the report's trail by item and person; the log positions of the changes it
    lists, oldest first."""
    page = fill_linked_form(
        person,
        "trail-link",
        {"trail-item": item, "trail-by": by},
        "trail-filter",
        "trail-count",
        "trail",
    )
    rows = page.locator("#trail-table tbody tr[data-position]")
    return sorted(int(p) for p in rows.evaluate_all("rs => rs.map(r => r.dataset.position)"))


def as_of(person: Person, moment: str) -> Page:
    """The report as of a moment, through the as-of form; the page."""
    return fill_linked_form(
        person, "as-of-link", {"as-of-moment": moment}, "as-of-show", "as-of-summary", "as-of"
    )


def diff(person: Person, since: str, until: str) -> dict[str, tuple[str, str]]:
    """Compare two moments through the diff form; what changed as the page lists it: each
    field's path, its value before and after."""
    page = fill_linked_form(
        person,
        "diff-link",
        {"diff-since": since, "diff-until": until},
        "diff-show",
        "diff-summary",
        "diff",
    )
    rows = page.locator("#diff-table tbody tr[data-path]").evaluate_all(
        "rs => rs.map(r => [r.dataset.path, r.cells[1].innerText, r.cells[2].innerText])"
    )
    return {path: (before, after) for path, before, after in rows}
