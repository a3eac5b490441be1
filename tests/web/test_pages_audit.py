"""The auditor's pages: the trail filtered by item, person and dates; the report as of a moment;
the changes between two; the year's replay to download; the chain verified; a rendered file
checked. Each refuses a filter it cannot use in one line beside its form, and shows nothing of
a report the caller may not read."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.seed import DEPARTMENT_CODE, YEAR
from tests.web.conftest import PAGE, Site, csrf_of, sign_in
from tests.web.page_helpers import command, element, events, post_form, row
from worker.render import render_revision


def _client(site: Site, user: str) -> TestClient:
    client = site.client()
    sign_in(client, site, user)
    return client


@pytest.fixture
def auditor(site: Site) -> TestClient:
    return _client(site, "zhao.liu")


def test_the_trail_filters_by_item_and_person(site: Site, auditor) -> None:
    preparer = _client(site, "zhang.san")
    command(preparer, "set-initial-budget", "initial-homes", line="homes", amount="9")
    page = auditor.get(f"{PAGE}/trail", params={"item": "line:homes", "by": "zhang.san"})
    assert page.status_code == 200
    table = element(page.text, "trail-table", "table")
    changed = row(table, f'data-position="{events(site)[-1].position}"')
    assert "InitialBudgetSet" in changed and ">8<" in changed and ">9<" in changed
    assert "基本支出" not in table  # only the item asked for
    assert 'value="line:homes"' in page.text  # the filters are kept
    nobody = auditor.get(f"{PAGE}/trail", params={"by": "li.si"})
    assert "没有符合条件的修改" in nobody.text


def test_the_trail_filters_by_dates(site: Site, auditor) -> None:
    everything = auditor.get("/trail", params={"year": str(YEAR)}).text
    assert "共 " in everything and 'href="/reports/gusu-rc/2021"' in everything
    before = auditor.get("/trail", params={"until": "2000-01-01"}).text
    assert "没有符合条件的修改" in before


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"item": "homes"},
            "item: got &#39;homes&#39;, expected line:ID, indicator:ID or section:ID",
        ),
        ({"since": "yesterday"}, "since: got &#39;yesterday&#39;"),
        ({"since": "2022-03-02", "until": "2022-03-01"}, "until: got &#39;2022-03-01&#39;"),
        ({"limit": "0"}, "limit: got &#39;0&#39;, expected a whole number from 1"),
    ],
)
def test_a_filter_it_cannot_use_is_refused_beside_the_form(auditor, params, message) -> None:
    page = auditor.get(f"{PAGE}/trail", params=params)
    assert page.status_code == 422
    form = element(page.text, "trail-filters")
    assert 'class="refusal"' in form and message in form
    assert 'id="trail-table"' not in page.text


def test_the_report_as_of_a_moment_and_the_diff_between_two(site: Site, auditor) -> None:
    preparer = _client(site, "zhang.san")
    first = site.head()
    command(preparer, "set-initial-budget", "initial-homes", line="homes", amount="9")
    then = auditor.get(f"{PAGE}/as-of", params={"moment": str(first)})
    assert then.status_code == 200
    assert "截至 " in element(then.text, "as-of-summary", "p")
    homes = row(then.text, 'data-line="homes"')
    # Amounts print with the form's two places (docs/decisions/0802).
    assert ">8.00<" in homes and 'type="checkbox"' not in homes  # as it was, read only
    now = auditor.get(f"{PAGE}/as-of", params={"moment": str(site.head())})
    assert ">9.00<" in row(now.text, 'data-line="homes"')
    diff = auditor.get(f"{PAGE}/diff", params={"since": str(first), "until": str(site.head())})
    assert diff.status_code == 200
    table = element(diff.text, "diff-table", "table")
    changed = re.search(r'<tr data-path="budget.rows\[博爱家园建设\].initial">.*?</tr>', table)
    assert changed and changed.group(0).endswith("<td>8</td><td>9</td></tr>")
    assert f"共 {table.count('<tr data-path=')} 处变化" in diff.text


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("as-of", {"moment": "last week"}, "moment: got &#39;last week&#39;"),
        (
            "as-of",
            {"moment": "99999"},
            "moment: got &#39;99999&#39;, expected a log position up to",
        ),
        ("diff", {"since": "20", "until": "10"}, "since: got &#39;20&#39;, later than until"),
    ],
)
def test_a_moment_it_cannot_use_is_refused_beside_the_form(auditor, path, params, message) -> None:
    page = auditor.get(f"{PAGE}/{path}", params=params)
    assert page.status_code == 422
    assert message in element(page.text, f"{path}-form")


def test_the_years_replay_downloads_as_the_cli_writes_it(site: Site, auditor) -> None:
    home = auditor.get("/audit").text
    assert 'id="replay-download"' in home and 'id="verify-form"' in home
    asked = auditor.get(
        "/audit/replay", params={"year": str(YEAR), "format": "csv"}, follow_redirects=False
    )
    assert asked.headers["location"] == f"/audit/replay/changes-{YEAR}.csv"
    data = auditor.get(f"/audit/replay/changes-{YEAR}.json")
    assert data.status_code == 200 and data.headers["x-chain-ok"] == "1"
    assert f'filename="changes-{YEAR}.json"' in data.headers["content-disposition"]
    replay = json.loads(data.content)
    assert replay["year"] == YEAR and replay["chain"]["ok"] is True
    assert len(replay["changes"]) == len(events(site))
    table = auditor.get(f"/audit/replay/changes-{YEAR}.csv")
    assert table.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert len(rows) == len(replay["changes"])
    assert auditor.get("/audit/replay/changes-1999.json").status_code == 422
    assert auditor.get("/audit/replay/changes-2030.json").status_code == 404


@pytest.mark.parametrize("user", ["zhang.san", "li.si"])
def test_a_replay_needs_a_reader_of_every_department(site: Site, user: str) -> None:
    client = _client(site, user)
    refused = client.get(f"/audit/replay/changes-{YEAR}.json")
    assert refused.status_code == 403 and "expected an auditor or administrator" in refused.text
    assert "需要覆盖全部部门" in client.get("/audit").text


def test_verifying_the_chain_shows_the_verdict_lines(site: Site, auditor) -> None:
    done = post_form(auditor, "/audit/verify", {"expect": ""}, page="/audit")
    assert done.status_code == 200
    verdict = element(done.text, "verify-verdict", "div")
    assert "校验通过" in verdict and f"{site.head()} events" in verdict
    head_hash = site.store.hash_at(site.head())
    anchored = post_form(
        auditor, "/audit/verify", {"expect": f"{site.head()}:{head_hash}"}, page="/audit"
    )
    assert f"anchors held: {site.head()}" in anchored.text
    wrong = post_form(auditor, "/audit/verify", {"expect": f"1:{'0' * 64}"}, page="/audit")
    assert "校验未通过" in element(wrong.text, "verify-verdict", "div")
    malformed = post_form(auditor, "/audit/verify", {"expect": "1:abc"}, page="/audit")
    assert malformed.status_code == 422 and "expect: got &#39;1:abc&#39;" in malformed.text
    assert auditor.post("/audit/verify", data={"expect": ""}).status_code == 403  # no CSRF


def test_checking_a_rendered_file(site: Site, auditor, tmp_path: Path) -> None:
    people = {u: _client(site, u) for u in ("zhang.san", "li.si", "wang.wu")}
    for user, action in (
        ("zhang.san", "submit"),
        ("li.si", "approve"),
        ("wang.wu", "approve"),
        ("li.si", "sign-off"),
        ("wang.wu", "sign-off"),
    ):
        assert post_form(people[user], f"{PAGE}/{action}", {"revision": "1"}).status_code == 303
    out = tmp_path / "out"
    render_revision(site.store, DEPARTMENT_CODE, YEAR, 1, out_dir=out, formats=("html", "xlsx"))
    html = next(out.glob("*.html"))
    token = csrf_of(auditor.get("/audit"))

    def check(name: str, data: bytes):
        return auditor.post(
            "/audit/artifact", data={"csrf_token": token}, files={"file": (name, data, "text/html")}
        )

    found = check(html.name, html.read_bytes())
    assert found.status_code == 200
    verdict = element(found.text, "artifact-verdict", "div")
    assert f"report:{DEPARTMENT_CODE}:{YEAR}" in verdict and "第 1 版" in verdict
    assert "与记录一致" in verdict and "（本文件）" in verdict
    unknown = check("forged.html", html.read_bytes() + b" ")
    assert unknown.status_code == 404 and "forged.html:" in unknown.text
    # Another department's preparer learns nothing of it.
    other = _client(site, "sun.qi")
    other_token = csrf_of(other.get("/audit"))
    hidden = other.post(
        "/audit/artifact",
        data={"csrf_token": other_token},
        files={"file": (html.name, html.read_bytes(), "text/html")},
    )
    assert hidden.status_code == 404 and DEPARTMENT_CODE not in element(
        hidden.text, "audit-artifact", "section"
    )


@pytest.mark.parametrize("path", ["trail", "as-of?moment=1", "diff?since=1&until=2"])
def test_another_departments_report_is_not_found(site: Site, path: str) -> None:
    other = _client(site, "sun.qi")
    assert other.get(f"{PAGE}/{path}").status_code == 404
    everything = other.get("/trail").text
    assert "gusu-rc" not in element(everything, "trail-table", "table")


def test_the_navigation_offers_the_audit_pages_to_auditors_alone(site: Site, auditor) -> None:
    assert 'id="nav-audit"' in auditor.get("/inbox").text
    assert 'id="nav-audit"' in auditor.get(PAGE).text
    preparer = _client(site, "zhang.san")
    assert 'id="nav-audit"' not in preparer.get("/inbox").text
    assert 'id="nav-audit"' not in preparer.get(PAGE).text
