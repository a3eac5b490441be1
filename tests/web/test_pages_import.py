"""The upload page: a 自评价表 or a report file is checked first (what `report import --check`
says: the problems by cell, or the commands by kind), then confirmed and recorded as one
change — by the department's preparer only."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from projections.report_view import report_view
from tests.seed import DEPARTMENT_CODE, YEAR
from tests.web.conftest import OTHER, Site, csrf_of, sign_in
from tests.web.page_helpers import element, events
from worker.evaluation_table import evaluation_table
from worker.xlsx import render_xlsx
from workflow.report_file import state_document
from workflow.service import load_report

IMPORT = f"/reports/{OTHER}/{YEAR}/import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def seed_workbook(site: Site) -> bytes:
    """The seed report's 自评价表 as jixiao renders it, naming the department it is sent to
    (an import refuses a sheet naming another department)."""
    view = report_view(load_report(site.store, DEPARTMENT_CODE, YEAR).state)
    table = evaluation_table(view, "姑苏区预算部门整体支出预算绩效自评价表")
    table = dataclasses.replace(table, department_name="另一部门")
    return render_xlsx(table, datetime(2022, 3, 1, tzinfo=UTC))


def test_a_workbook_naming_another_department_is_refused(site: Site, other) -> None:
    view = report_view(load_report(site.store, DEPARTMENT_CODE, YEAR).state)
    table = evaluation_table(view, "姑苏区预算部门整体支出预算绩效自评价表")
    before = site.head()
    refused = _upload(other, "自评价表.xlsx", render_xlsx(table, datetime(2022, 3, 1, tzinfo=UTC)))
    assert refused.status_code == 422 and site.head() == before
    assert element(refused.text, "import-problems", "ul") == (
        '<ul class="problems" id="import-problems"><li>自评价表!A3 预算部门: department named: '
        "got &#39;姑苏区红十字会&#39;, expected 另一部门 or other-dept (the department "
        "registered as other-dept, by name or code)</li></ul>"
    )


@pytest.fixture
def other(site: Site) -> TestClient:
    client = site.client()
    sign_in(client, site, "sun.qi")
    return client


def _upload(client: TestClient, name: str, data: bytes, media: str = XLSX):
    token = csrf_of(client.get(IMPORT))
    return client.post(
        IMPORT,
        data={"csrf_token": token},
        files={"file": (name, data, media)},
        follow_redirects=False,
    )


def test_the_inbox_offers_the_report_to_open_and_the_upload(site: Site, other) -> None:
    inbox = other.get("/inbox").text
    assert f'id="import-{OTHER}-{YEAR}"' in inbox and f'href="{IMPORT}"' in inbox
    assert f'id="open-{OTHER}-{YEAR}"' in inbox
    form = other.get(IMPORT)
    assert form.status_code == 200 and 'id="import-form"' in form.text
    assert 'enctype="multipart/form-data"' in form.text and 'name="file"' in form.text


def test_a_workbook_is_previewed_then_recorded_when_confirmed(
    site: Site, other, seed_workbook: bytes
) -> None:
    before = site.head()
    preview = _upload(other, "自评价表.xlsx", seed_workbook)
    assert preview.status_code == 200, preview.text[-800:]
    assert site.head() == before  # a preview records nothing
    summary = element(preview.text, "preview-summary", "p")
    assert "没有问题" in summary and f"{OTHER}/{YEAR}" in summary
    assert 'data-command="SetInitialBudget"' in preview.text
    assert 'data-command="AddIndicator"' in preview.text
    confirm = element(preview.text, "import-confirm-form")
    assert 'name="content"' in confirm and 'name="confirm" value="1"' in confirm
    content = confirm.split('name="content" value="', 1)[1].split('"', 1)[0]
    done = other.post(
        IMPORT,
        data={
            "csrf_token": csrf_of(preview),
            "confirm": "1",
            "filename": "自评价表.xlsx",
            "content": content,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[-800:]
    assert done.headers["location"] == f"/reports/{OTHER}/{YEAR}?done=import"
    recorded = events(site, f"report:{OTHER}:{YEAR}")
    assert recorded[0].event_type == "ReportOpened" and {e.actor for e in recorded} == {"sun.qi"}
    assert len({e.position for e in recorded}) == len(recorded) > 30
    page = other.get(done.headers["location"]).text
    assert "已导入" in page and "279.08" in page and 'data-line="l09"' in page


def test_a_report_file_is_imported_the_same_way(site: Site, other) -> None:
    document = state_document(load_report(site.store, DEPARTMENT_CODE, YEAR).state)
    document.update(department=OTHER)
    data = json.dumps(document, ensure_ascii=False, default=str).encode()
    preview = _upload(other, "report.json", data, "application/json")
    assert preview.status_code == 200, preview.text[-800:]
    assert 'id="import-confirm"' in preview.text


def test_problems_are_listed_by_cell_and_nothing_is_recorded(
    site: Site, other, seed_workbook: bytes
) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(seed_workbook))
    sheet = book.worksheets[0]
    cell = next(c for r in sheet.iter_rows() for c in r if c.value == 8)  # 博爱家园建设 年初
    cell.value = "八万"
    out = BytesIO()
    book.save(out)
    before = site.head()
    refused = _upload(other, "自评价表.xlsx", out.getvalue())
    assert refused.status_code == 422 and site.head() == before
    assert "自评价表.xlsx rejected, nothing recorded" in refused.text
    problems = element(refused.text, "import-problems", "ul")
    assert f"!{cell.coordinate}" in problems and "八万" in problems
    assert 'id="import-confirm"' not in refused.text


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.xlsx", b"not a workbook", "notes.xlsx: cannot be read as a workbook"),
        ("report.yaml", b"year: [unclosed", "report.yaml: line"),
        ("report.json", b"\xff\xfe", "is not UTF-8, expected a UTF-8 text file"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_in_one_line(
    site: Site, other, name: str, data: bytes, message: str
) -> None:
    before = site.head()
    refused = _upload(other, name, data, "application/octet-stream")
    assert refused.status_code == 422 and site.head() == before
    assert message in element(refused.text, "import-upload", "section")


def test_a_file_for_another_report_is_refused(site: Site, other) -> None:
    document = state_document(load_report(site.store, DEPARTMENT_CODE, YEAR).state)
    data = json.dumps(document, ensure_ascii=False, default=str).encode()
    refused = _upload(other, "gusu.json", data, "application/json")
    assert refused.status_code == 422
    assert f"gusu.json: report {DEPARTMENT_CODE}/{YEAR}, expected {OTHER}/{YEAR}" in refused.text


def test_importing_into_an_opened_report_is_refused_by_the_rules(
    site: Site, seed_workbook: bytes
) -> None:
    preparer = site.client()
    sign_in(preparer, site, "zhang.san")
    path = f"/reports/{DEPARTMENT_CODE}/{YEAR}/import"
    token = csrf_of(preparer.get(path))
    refused = preparer.post(
        path, data={"csrf_token": token}, files={"file": ("t.xlsx", seed_workbook, XLSX)}
    )
    assert refused.status_code == 422 and "rejected, nothing recorded, 1 problem" in refused.text


@pytest.mark.parametrize("user", ["zhang.san", "li.si", "zhao.liu"])
def test_only_the_departments_preparer_finds_the_page(site: Site, user: str) -> None:
    client = site.client()
    sign_in(client, site, user)
    assert client.get(IMPORT).status_code == 404


def test_the_upload_needs_its_csrf_token(site: Site, other, seed_workbook: bytes) -> None:
    refused = other.post(IMPORT, files={"file": ("t.xlsx", seed_workbook, XLSX)})
    assert refused.status_code == 403 and "csrf_token: missing or wrong" in refused.text
    assert events(site, f"report:{OTHER}:{YEAR}") == []


def test_opening_a_blank_report_from_the_inbox(site: Site, other) -> None:
    token = csrf_of(other.get("/inbox"))
    done = other.post(
        f"/reports/{OTHER}/{YEAR}/commands/open-report",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert events(site, f"report:{OTHER}:{YEAR}")[-1].event_type == "ReportOpened"
    assert f'id="import-{OTHER}-{YEAR}"' not in other.get("/inbox").text


def test_the_preview_names_the_layout_and_lists_printed_figures_that_disagree(
    site: Site, other, seed_workbook: bytes
) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(seed_workbook))
    sheet = book.worksheets[0]
    row = next(c.row for c in sheet["A"] if c.value and str(c.value).endswith("人道爱心任务"))
    sheet.cell(row=row, column=5).value = 7.9  # 预算合计数: jixiao computes 7.8
    out = BytesIO()
    book.save(out)
    token = csrf_of(other.get(IMPORT))
    forced = other.post(
        IMPORT,
        data={"csrf_token": token, "layout": "national"},
        files={"file": ("自评价表.xlsx", out.getvalue(), XLSX)},
    )
    assert forced.status_code == 422
    assert "is not in layout national" in forced.text
    preview = _upload(other, "自评价表.xlsx", out.getvalue())
    assert preview.status_code == 200, preview.text[-800:]
    assert "seed-overall" in element(preview.text, "preview-layout", "p")
    listed = element(preview.text, "import-disagreements", "ul")
    assert (
        f"自评价表!E{row} (人道爱心任务) 预算合计数: printed &#39;7.9&#39;, jixiao computes 7.8"
        in (listed)
    )
    confirm = element(preview.text, "import-confirm-form")
    assert 'name="layout" value="seed-overall"' in confirm
