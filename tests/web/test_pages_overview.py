"""The year overview and the inbox: every followed department's stage, the days to the
deadline and overdue flags, figures of the reports the caller may read, and the chart of
progress by stage drawn on the server."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from fastapi.testclient import TestClient

from tests.seed import DEADLINE, YEAR, seed_commands
from tests.web.conftest import OTHER, PAGE, Site, sign_in
from tests.web.page_helpers import element, post_form, row
from worker.evaluation_table import plain_number
from workflow.administration import OpenFiscalYear
from workflow.service import execute, execute_all, remind_of_deadlines


def _client(site: Site, user: str) -> TestClient:
    client = site.client()
    sign_in(client, site, user)
    return client


def _bar(page: str, stage: str) -> int:
    found = re.search(
        rf'<g class="bar stage-{stage}" data-stage="{stage}" data-count="(\d+)">', page
    )
    assert found, stage
    return int(found.group(1))


def test_finance_sees_every_department_with_stage_deadline_and_chart(site: Site) -> None:
    finance = _client(site, "wang.wu")
    page = finance.get("/overview")
    assert page.status_code == 200
    text = page.text
    days = (DEADLINE - datetime.now(UTC).date()).days
    gusu, other = row(text, 'data-department="gusu-rc"'), row(text, f'data-department="{OTHER}"')
    assert "草稿" in gusu and f"<td>{days}" in gusu and 'href="/reports/gusu-rc/2021"' in gusu
    assert "未填报" in other and "href=" not in other
    if days < 0:  # the seed's deadline has passed: neither has submitted
        assert 'class="overdue"' in gusu and "已逾期" in other
        assert "2 个部门逾期未提交" in text
    # Finance may not read a draft that never left its department: no figures.
    assert "100%" not in gusu
    svg = element(text, "stage-chart", "figure")
    # The chart is drawn on the server: the page's one script is the layout's (the report
    # page's edit blocks on demand), which the chart does not use.
    assert "<svg" in svg and "<script" not in svg
    assert text.count("<script") == 1 and 'src="http://testserver/static/jixiao.js"' in text
    assert (_bar(svg, "draft"), _bar(svg, "new"), _bar(svg, "submitted")) == (1, 1, 0)
    assert 'width="0"' in svg  # an empty stage has a bar of no length


def test_the_chart_and_figures_follow_the_reports(site: Site) -> None:
    preparer, finance = _client(site, "zhang.san"), _client(site, "wang.wu")
    post_form(preparer, f"{PAGE}/submit", {"revision": "1"})
    page = finance.get("/overview", params={"year": str(YEAR)}).text
    assert (_bar(page, "draft"), _bar(page, "submitted")) == (0, 1)
    gusu = row(page, 'data-department="gusu-rc"')
    assert "100%" in gusu and "7.6%" in gusu and "—" in gusu  # submitted: no days left
    only = finance.get("/overview", params={"stage": "new"}).text
    assert 'data-department="gusu-rc"' not in only and f'data-department="{OTHER}"' in only


def test_a_preparer_follows_only_their_department(site: Site) -> None:
    page = _client(site, "sun.qi").get("/overview").text
    assert f'data-department="{OTHER}"' in page and 'data-department="gusu-rc"' not in page


def test_the_overview_refuses_a_year_or_stage_that_cannot_be(site: Site) -> None:
    finance = _client(site, "wang.wu")
    unknown = finance.get("/overview", params={"year": "2030"})
    assert unknown.status_code == 404 and "year: got 2030, expected a fiscal year" in unknown.text
    stage = finance.get("/overview", params={"stage": "lost"})
    assert stage.status_code == 422 and "stage: got &#39;lost&#39;" in stage.text


def test_the_inbox_shows_what_waits_since_when_and_the_days_left(site: Site) -> None:
    preparer, head = _client(site, "zhang.san"), _client(site, "li.si")
    assert "没有等待您处理的报告" in head.get("/inbox").text
    post_form(preparer, f"{PAGE}/submit", {"revision": "1"})
    inbox = head.get("/inbox").text
    waiting = row(inbox, 'data-report="report:gusu-rc:2021"')
    today = datetime.now(UTC).date()
    assert "审核" in waiting and "部门负责人" in waiting and "已提交" in waiting
    assert today.isoformat() in waiting and str(DEADLINE) in waiting
    assert f"<td>{(DEADLINE - today).days}" in waiting
    assert 'id="to-open"' not in inbox  # a head opens no report


def test_the_pages_show_the_deadline_reminders_sent(site: Site) -> None:
    week_before = datetime.combine(DEADLINE - timedelta(days=7), time(9), tzinfo=UTC)
    sent = remind_of_deadlines(site.store, YEAR, ["gusu-rc", OTHER], now=week_before)
    assert [(r.stream_id, r.event.kind) for r in sent] == [
        ("report:gusu-rc:2021", "7-days"),
        (f"fiscal_year:{YEAR}", "7-days"),
    ]
    overview = _client(site, "wang.wu").get("/overview").text
    for department in ("gusu-rc", OTHER):
        assert "截止前7天提醒" in row(overview, f'data-department="{department}"')
    draft = row(_client(site, "zhang.san").get("/inbox").text, 'data-report="report:gusu-rc:2021"')
    assert "提交" in draft and "截止前7天提醒" in draft
    other = _client(site, "sun.qi").get("/inbox").text
    assert "截止前7天提醒" in row(other, f'data-open="{OTHER}-{YEAR}"')
    # The unopened report is listed once, to be opened, not again among what waits.
    assert "data-report=" not in other and "没有等待您处理的报告" in other


def test_pages_need_a_session(site: Site) -> None:
    stranger = site.client()
    for path in ("/overview", "/trail", "/audit", f"{PAGE}/trail", f"{PAGE}/import"):
        answer = stranger.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")


def test_scores_and_grades_of_a_scored_year(site: Site) -> None:
    admin, preparer = site.users["admin"], site.users["zhang.san"]
    execute(
        site.store,
        admin,
        OpenFiscalYear(year=2022, scheme="national-10-90", deadline=date(2023, 6, 30)),
    )
    seed = [(f"seed[{i}]", c) for i, c in enumerate(seed_commands(year=2022))]
    execute_all(site.store, preparer, seed)
    auditor = _client(site, "zhao.liu")
    page = auditor.get("/overview").text  # the latest year by default
    assert 'id="overview-year"' in page and "<option selected>2022</option>" in page
    gusu = row(page, 'data-department="gusu-rc"')
    view = auditor.get("/api/v1/reports/gusu-rc/2022").json()
    score = view["score"]
    assert score and score["grade"] in gusu and plain_number(score["total"]) in gusu
    report = auditor.get("/reports/gusu-rc/2022").text
    assert (
        f"综合得分 <strong>{score['total']}</strong> 分，等级 <strong>{score['grade']}</strong>"
        in report
    )
