"""The steps of the seed flow, as the people take them in their browsers.

Each step either works a page as a person would (fill, tick, click) or, where the server
has no page for it, uses the JSON API the way a script would: those steps say so in their
name (``…_through_api``) and keep the signature their page version will have.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from pydantic_core import to_jsonable_python

from cli.files import read_document
from cli.seed_file import SEED_FILE
from tests.browser.conftest import Person
from tests.seed import DEPARTMENT_CODE, YEAR
from web.commands import command_name
from workflow.report_file import document_commands, parse_document

#: The seed report's page and API paths.
REPORT_PAGE = f"/reports/{DEPARTMENT_CODE}/{YEAR}"
REPORT_API = f"/api/v1/reports/{DEPARTMENT_CODE}/{YEAR}"


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


def command_body(command: Any) -> dict[str, Any]:
    """A report command's API body: its fields but the report's key, as JSON."""
    fields = {
        f.name: getattr(command, f.name)
        for f in dataclasses.fields(command)
        if f.name not in ("department", "year")
    }
    return to_jsonable_python(fields)


def import_seed_report_through_api(person: Person) -> int:
    """Enter the bundled seed report file (what `jixiao report import` reads) command by
    command through the JSON API with the person's token; how many were recorded."""
    document = parse_document(read_document(SEED_FILE), source=SEED_FILE.name)
    located = document_commands(document)
    for where, command in located:
        answer = person.api(
            "POST",
            f"{REPORT_API}/commands/{command_name(type(command))}",
            json=command_body(command),
        )
        assert answer.status_code == 200, (where, answer.text)
    return len(located)


def record_indicator_actual_through_api(
    person: Person, indicator: str, actual: str, reason: str
) -> dict[str, Any]:
    """Record an indicator's 指标完成值 and 偏差原因分析 through the JSON API; the answer."""
    answer = person.api(
        "POST",
        f"{REPORT_API}/commands/record-indicator-actual",
        json={"indicator": indicator, "actual": actual, "deviation_reason": reason},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def wait_until_rendered(person: Person, seconds: float = 40) -> dict[str, Any]:
    """Reload the report page until the render worker has recorded the artifacts; the
    report's view then (through the API: the page does not list artifacts)."""
    deadline = time.monotonic() + seconds
    page = person.visit(REPORT_PAGE)
    while stage_of(page) != "已生成":
        assert time.monotonic() < deadline, f"not rendered within {seconds} s: {stage_of(page)}"
        time.sleep(0.5)
        page.reload()
    view = person.api("GET", REPORT_API).json()
    assert view["stage"] == "rendered"
    return view


def pdf_from_recorded_path(person: Person, view: dict[str, Any]) -> tuple[bytes, str]:
    """The rendered PDF's bytes, read where the view says the worker wrote it (no download
    link or endpoint serves artifacts), and the SHA-256 recorded for it."""
    (pdf,) = [a for a in view["artifacts"] if a["format"] == "pdf"]
    return Path(pdf["path"]).read_bytes(), pdf["sha256"]


def sha256_of(data: bytes) -> str:
    """The hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def as_of_through_api(person: Person, moment: str) -> dict[str, Any]:
    """The report as of a moment, read with the person's browser session (its cookies)."""
    answer = person.context.request.get(
        f"{person.base}{REPORT_API}/as-of", params={"moment": moment}
    )
    assert answer.status == 200, answer.text()
    return answer.json()


def diff_through_api(person: Person, since: str, until: str) -> dict[str, Any]:
    """The report's changes between two moments, read with the person's browser session."""
    answer = person.context.request.get(
        f"{person.base}{REPORT_API}/diff", params={"since": since, "until": until}
    )
    assert answer.status == 200, answer.text()
    return answer.json()
