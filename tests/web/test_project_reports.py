"""项目支出 reports on the server: the JSON API under `…/projects/{project}`, the pages under
`/reports/{department}/{year}/projects/{project}`, the read rule as for any report, the
overview listing projects under their department, and the rendered national form."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from cli.seed_file import project_commands
from tests.seed import DEPARTMENT_CODE, YEAR
from tests.web.conftest import PAGE, REPORT, Site, csrf_of, sign_in
from tests.web.page_helpers import element, events, post_form, row
from tests.workflow.world import NOW
from worker.render import render_revision
from workflow.service import execute_all

API = f"{REPORT}/projects/homes"
PROJECT_PAGE = f"{PAGE}/projects/homes"
STREAM = f"report:{DEPARTMENT_CODE}:{YEAR}:homes"


def _with_project(site: Site) -> None:
    located = [(f"project[{i}]", c) for i, c in enumerate(project_commands())]
    execute_all(site.store, site.users["zhang.san"], located, now=NOW)


def _client(site: Site, user: str, **settings: object) -> TestClient:
    client = site.client(**settings)
    sign_in(client, site, user)
    return client


def test_the_api_opens_fills_and_reads_a_project_report(site: Site) -> None:
    client = site.client()
    preparer = site.bearer("zhang.san")
    opened = client.post(
        f"{REPORT}/projects/training/commands/open-report",
        json={"project_name": "应急救护培训"},
        headers=preparer,
    )
    assert opened.status_code == 200, opened.text
    assert opened.json()["stream"] == f"report:{DEPARTMENT_CODE}:{YEAR}:training"
    set_goal = client.post(
        f"{REPORT}/projects/training/commands/set-project-field",
        json={"field": "goal", "text": "培训 2000 人"},
        headers=preparer,
    )
    assert set_goal.status_code == 200, set_goal.text
    view = client.get(f"{REPORT}/projects/training", headers=site.bearer("zhao.liu")).json()
    assert (view["kind"], view["project"]["name"], view["project"]["goal"]) == (
        "project",
        "应急救护培训",
        "培训 2000 人",
    )
    # The 部门整体 report is untouched and still its own.
    assert client.get(REPORT, headers=preparer).json()["kind"] == "department"
    trail = client.get(f"{REPORT}/projects/training/trail", headers=preparer).json()
    assert [e["event_type"] for e in trail] == ["ProjectReportOpened", "ProjectFieldSet"]
    file = client.get(f"{REPORT}/projects/training/file", headers=preparer).json()
    assert file["project"]["code"] == "training" and file["project"]["goal"] == "培训 2000 人"


def test_the_read_rule_and_refusals_hold_for_project_reports(site: Site) -> None:
    _with_project(site)
    client = site.client()
    stranger = site.bearer("sun.qi")
    hidden = client.get(API, headers=stranger)
    assert hidden.status_code == 404
    assert hidden.json()["error"] == (
        f"report {DEPARTMENT_CODE}/{YEAR}/homes: not found, expected an opened report you may read"
    )
    before = site.head()
    refused = client.post(
        f"{API}/commands/set-functions", json={"functions": ["宣传"]}, headers=stranger
    )
    assert refused.status_code == 404 and site.head() == before
    refused = client.post(
        f"{API}/commands/set-net-assets", json={"amount": "1"}, headers=site.bearer("zhang.san")
    )
    assert refused.status_code == 422 and site.head() == before
    assert "it has no 净资产" in refused.json()["error"]
    missing = client.get(f"{REPORT}/projects/nope", headers=site.bearer("zhao.liu"))
    assert missing.status_code == 404


def test_the_pages_show_edit_and_review_a_project_report(site: Site) -> None:
    _with_project(site)
    preparer, head = _client(site, "zhang.san"), _client(site, "li.si")
    page = preparer.get(PROJECT_PAGE)
    assert page.status_code == 200
    assert "项目信息（homes）" in page.text and 'id="project-goal"' in page.text
    assert "部门概况" not in page.text
    assert f'href="{PROJECT_PAGE}/import" id="import-link"' in page.text
    done = post_form(
        preparer,
        f"{PROJECT_PAGE}/commands/set-project-field",
        {"form_id": "project-problems", "revision": "1", "field": "problems", "text": "无"},
        page=PROJECT_PAGE,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"{PROJECT_PAGE}?done=set-project-field#project-problems"
    assert events(site, STREAM)[-1].event_type == "ProjectFieldSet"
    assert "无" in row(preparer.get(PROJECT_PAGE).text, 'data-project-field="problems"')
    submitted = post_form(preparer, f"{PROJECT_PAGE}/submit", {"revision": "1"}, page=PROJECT_PAGE)
    assert submitted.status_code == 303
    assert f'action="{PROJECT_PAGE}/approve"' in element(
        head.get(PROJECT_PAGE).text, "approve-form"
    )
    overview = head.get(f"/overview?year={YEAR}").text
    project_row = row(overview, 'class="project"')
    assert 'data-project="homes"' in project_row and f'href="{PROJECT_PAGE}"' in project_row
    assert "└ 项目 homes 博爱家园建设" in project_row
    inbox = head.get("/inbox").text
    assert f'href="{PROJECT_PAGE}"' in inbox
    trail = head.get(f"{PROJECT_PAGE}/trail").text
    assert "ProjectReportOpened" in trail and f'href="{PROJECT_PAGE}"' in trail


def test_a_signed_off_project_report_renders_the_national_form(site: Site, tmp_path: Path) -> None:
    _with_project(site)
    out = tmp_path / "out"
    people = {u: _client(site, u, out_dir=out) for u in ("zhang.san", "li.si", "wang.wu")}
    for user, action in (
        ("zhang.san", "submit"),
        ("li.si", "approve"),
        ("wang.wu", "approve"),
        ("li.si", "sign-off"),
        ("wang.wu", "sign-off"),
    ):
        done = post_form(
            people[user], f"{PROJECT_PAGE}/{action}", {"revision": "1"}, page=PROJECT_PAGE
        )
        assert done.status_code == 303, (user, action)
    outcome = render_revision(
        site.store,
        DEPARTMENT_CODE,
        YEAR,
        1,
        out_dir=out,
        formats=("html", "xlsx", "docx"),
        project="homes",
    )
    assert outcome.recorded
    names = sorted(Path(a.path).name for a in outcome.artifacts)
    assert all(name.startswith(f"{DEPARTMENT_CODE}-{YEAR}@homes-r1-") for name in names)
    html = (out / names[1]).read_text(encoding="utf-8")
    assert "项目支出绩效自评表" in html and "博爱家园建设" in html
    assert element(html, "project-table", "table").count("<tr") == 2 + 1 + 4 + 2
    for label in ("年初预算数", "全年预算数", "全年执行数", "分值", "得分", "年度总体目标"):
        assert label in html
    preparer = people["zhang.san"]
    download = preparer.get(f"{PROJECT_PAGE}/files/xlsx")
    assert download.status_code == 200
    assert download.headers["x-content-sha256"] == hashlib.sha256(download.content).hexdigest()
    sheet = load_workbook(io.BytesIO(download.content)).active
    assert sheet is not None and sheet.title == "项目支出绩效自评表"
    cells = {str(c.value) for r in sheet.iter_rows() for c in r if c.value is not None}
    assert {
        "项目名称",
        "博爱家园建设",
        "年度资金总额",
        "其中：当年财政拨款",
        "新建博爱家园数量",
    } <= cells
    figures = [r for r in sheet.iter_rows(values_only=True) if r[1] == "年度资金总额"]
    assert figures[0][2:5] == (8, 3.2, 3.2)


def test_the_upload_page_imports_a_project_form_into_its_project_report(
    site: Site, tmp_path: Path
) -> None:
    from tests.cli.test_project_import import build_national_form

    data = build_national_form(tmp_path / "博爱家园建设.xlsx").read_bytes()
    preparer = _client(site, "zhang.san")
    page = f"{PAGE}/projects/homes/import"
    form = preparer.get(page)
    assert form.status_code == 200 and f'action="{page}"' in form.text
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    before = site.head()
    preview = preparer.post(
        page,
        data={"csrf_token": csrf_of(form)},
        files={"file": ("博爱家园建设.xlsx", data, media)},
        follow_redirects=False,
    )
    assert preview.status_code == 200 and site.head() == before
    assert f"{DEPARTMENT_CODE}/{YEAR}/homes" in element(preview.text, "preview-summary", "p")
    done = preparer.post(
        page,
        data={"csrf_token": csrf_of(preview), "confirm": "1"},
        files={"file": ("博爱家园建设.xlsx", data, media)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"{PROJECT_PAGE}?done=import"
    assert events(site, STREAM)[0].event_type == "ProjectReportOpened"
    # A report file of another report is refused on a project's page, naming both.
    from cli.seed_file import SEED_FILE

    refused = preparer.post(
        page,
        data={"csrf_token": csrf_of(form)},
        files={"file": (SEED_FILE.name, SEED_FILE.read_bytes(), "application/yaml")},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert (
        f"expected {DEPARTMENT_CODE}/{YEAR}/homes (the report this page imports into)"
        in refused.text
    )


def test_the_project_upload_page_refuses_a_workbook_of_several_sheets(
    site: Site, tmp_path: Path
) -> None:
    from tests.cli.test_project_import import build_national_form

    path = build_national_form(tmp_path / "项目.xlsx")
    workbook = load_workbook(path)
    workbook.create_sheet("应急救护培训")["A1"] = "项目支出绩效自评表"
    workbook.save(path)
    preparer = _client(site, "zhang.san")
    page = f"{PAGE}/projects/homes/import"
    before = site.head()
    refused = preparer.post(
        page,
        data={"csrf_token": csrf_of(preparer.get(page))},
        files={"file": ("项目.xlsx", path.read_bytes(), "application/octet-stream")},
        follow_redirects=False,
    )
    assert refused.status_code == 422 and site.head() == before
    assert "2 sheets filled in (项目支出绩效自评表, 应急救护培训)" in refused.text
