"""The pages end to end: the inbox, the report as its 自评价表, submit and return through
forms, and the return comment beside the item it is pinned to."""

from __future__ import annotations

import re

from tests.web.conftest import PAGE, Site, csrf_of, sign_in


def _row(page: str, attribute: str) -> str:
    """The HTML of the table row marked ``data-…="…"``."""
    found = re.search(rf"<tr {attribute}[^>]*>.*?</tr>", page, re.DOTALL)
    assert found, attribute
    return found.group(0)


def test_the_report_page_shows_the_table_its_figures_and_notices(site: Site) -> None:
    client = site.client()
    sign_in(client, site, "zhang.san")
    page = client.get(PAGE)
    assert page.status_code == 200
    text = page.text
    assert "2021年度部门整体支出绩效自评价表" in text and "预算部门名称：姑苏区红十字会" in text
    total = _row(text, 'data-line="total"')
    # The rate's number alone under 预算执行率（%） (docs/decisions/0802).
    assert "预算资金总额" in total and "300.09" in total and "279.08" in total
    assert '<td class="figure">100.0</td>' in total
    assert "预算调整率（系统计算）：7.6%" in text
    assert "接收社会捐赠款物 156.86 万元 differs from indicator d07" in text
    assert 'action="/reports/gusu-rc/2021/submit"' in text
    assert 'id="return-form"' not in text  # a preparer does not return
    assert page.headers["content-type"].startswith("text/html")
    css = client.get("/static/jixiao.css")
    assert css.status_code == 200 and ".pinned-comment" in css.text


def test_submit_return_with_pinned_items_and_the_comment_beside_them(site: Site) -> None:
    preparer, head = site.client(), site.client()
    sign_in(preparer, site, "zhang.san")
    sign_in(head, site, "li.si")
    assert "没有等待您处理的报告" in head.get("/inbox").text
    token = csrf_of(preparer.get(PAGE))
    done = preparer.post(
        f"{PAGE}/submit", data={"csrf_token": token, "revision": "1"}, follow_redirects=False
    )
    assert (done.status_code, done.headers["location"]) == (303, f"{PAGE}?done=submit")
    assert "已提交审核" in preparer.get(done.headers["location"]).text
    inbox = head.get("/inbox").text
    assert 'href="/reports/gusu-rc/2021"' in inbox and "审核" in inbox
    page = head.get(PAGE).text
    assert 'id="return-form"' in page and 'value="line:homes" form="return-form"' in page
    before = site.head()
    returned = head.post(
        f"{PAGE}/return",
        data={
            "csrf_token": csrf_of(head.get(PAGE)),
            "revision": "1",
            "comment": "请说明调整依据",
            "items": ["line:homes", "indicator:d04"],
        },
        follow_redirects=False,
    )
    assert returned.status_code == 303 and site.head() == before + 1
    page = preparer.get(PAGE).text
    homes = _row(page, 'data-line="homes"')
    assert "pinned-comment" in homes and "请说明调整依据" in homes and "li.si" in homes
    assert "请说明调整依据" in _row(page, 'data-indicator="d04"')
    assert "请说明调整依据" not in _row(page, 'data-line="basic"')
    assert "在「已提交」时退回：请说明调整依据" in page
    # The head's page now refuses an approval of a draft, in one line beside the forms.
    refused = head.post(
        f"{PAGE}/approve", data={"csrf_token": csrf_of(head.get(PAGE)), "revision": "1"}
    )
    assert refused.status_code == 409
    assert "report report:gusu-rc:2021 stage: got 草稿（draft）" in refused.text
    assert site.head() == before + 1
