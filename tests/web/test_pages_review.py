"""The reviewers' forms and what follows them: approve twice, grade, sign off twice, the
rendered files to download with their SHA-256, publish, and finance reopening with a reason."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.seed import DEPARTMENT_CODE, YEAR
from tests.web.conftest import PAGE, Site, sign_in
from tests.web.page_helpers import command, editing, element, events, post_form
from worker.render import render_revision


def _client(site: Site, user: str, **settings: object) -> TestClient:
    client = site.client(**settings)
    sign_in(client, site, user)
    return client


def _signed_off(site: Site, **settings: object) -> dict[str, TestClient]:
    """The seed report submitted, approved twice and signed off twice, through the pages."""
    people = {u: _client(site, u, **settings) for u in ("zhang.san", "li.si", "wang.wu")}
    for user, action in (
        ("zhang.san", "submit"),
        ("li.si", "approve"),
        ("wang.wu", "approve"),
        ("li.si", "sign-off"),
        ("wang.wu", "sign-off"),
    ):
        done = post_form(people[user], f"{PAGE}/{action}", {"revision": "1"})
        assert done.status_code == 303, (user, action, done.text[-500:])
    assert events(site)[-1].event_type == "ReportSignedOff"
    return people


def test_each_reviewer_sees_the_forms_of_their_stage(site: Site) -> None:
    preparer, head, finance = (_client(site, u) for u in ("zhang.san", "li.si", "wang.wu"))
    post_form(preparer, f"{PAGE}/submit", {"revision": "1"})
    page = head.get(PAGE).text
    assert 'id="approve-form"' in page and 'id="return-form"' in page
    assert 'id="grading"' in page and 'id="sign-off-form"' not in page
    assert 'id="reopen-form"' not in page
    # Finance has nothing to do with a report the department has not approved yet.
    assert 'id="approve-form"' not in finance.get(PAGE).text
    post_form(head, f"{PAGE}/approve", {"revision": "1", "comment": "同意"})
    page = finance.get(PAGE).text
    assert 'id="approve-form"' in page and "部门负责人 li.si 审核通过：同意" in page


def test_a_grade_the_scheme_has_no_band_for_is_refused_beside_its_form(site: Site) -> None:
    preparer, head = _client(site, "zhang.san"), _client(site, "li.si")
    post_form(preparer, f"{PAGE}/submit", {"revision": "1"})
    page = head.get(PAGE).text
    qualitative = "m01"  # 预算编制规范性: 规范, a grade
    assert f'id="grade-{qualitative}"' in page and 'id="grade-d04"' not in page
    before = site.head()
    refused = command(
        head, "grade-indicator", f"grade-{qualitative}", indicator=qualitative, band="优"
    )
    assert refused.status_code == 422 and site.head() == before
    form = element(refused.text, f"grade-{qualitative}")
    assert 'class="refusal"' in form and "band" in form and 'value="优"' in form


def test_sign_off_render_download_publish_and_reopen(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    people = _signed_off(site, out_dir=out)
    head, finance, preparer = people["li.si"], people["wang.wu"], people["zhang.san"]
    page = head.get(PAGE).text
    assert "会签完成，正在生成报告文件" in page and 'id="publish-form"' not in page
    render_revision(
        site.store, DEPARTMENT_CODE, YEAR, 1, out_dir=out, formats=("html", "xlsx", "docx")
    )
    page = preparer.get(PAGE).text
    assert "文档（DOCX）" in page
    for fmt in ("html", "xlsx", "docx"):
        file = next(out.glob(f"*.{fmt}"))
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        assert digest in page and f'id="download-{fmt}"' in page
        download = preparer.get(f"{PAGE}/files/{fmt}")
        assert download.status_code == 200 and download.content == file.read_bytes()
        assert download.headers["x-content-sha256"] == digest
        assert f'filename="{file.name}"' in download.headers["content-disposition"]
    assert download.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert preparer.get(f"{PAGE}/files/pdf").status_code == 404
    # A file changed after it was written is not sent.
    html = next(out.glob("*.html"))
    html.write_bytes(html.read_bytes() + b"<!-- edited -->")
    changed = preparer.get(f"{PAGE}/files/html")
    assert (
        changed.status_code == 409 and "the file was changed after it was written" in changed.text
    )
    # Another department's preparer may not even learn the files exist.
    assert _client(site, "sun.qi").get(f"{PAGE}/files/xlsx").status_code == 404

    assert 'id="publish-form"' in head.get(PAGE).text
    done = command(head, "publish-report", "publish-form", channel="区政府网站")
    assert done.status_code == 303 and events(site)[-1].event_type == "ReportPublished"
    assert "已公开：区政府网站" in head.get(PAGE).text

    refused = command(finance, "reopen-report", "reopen-form", reason="")
    assert refused.status_code == 422 and 'class="refusal"' in element(refused.text, "reopen-form")
    done = command(finance, "reopen-report", "reopen-form", reason="数据有误，需更正")
    assert done.status_code == 303 and events(site)[-1].event_type == "ReportReopened"
    page = preparer.get(PAGE).text
    assert "第 2 版" in page and "重新打开，开始第 2 版：数据有误，需更正" in page
    # The preparer edits the new revision.
    assert 'id="initial-homes"' in editing(preparer, "initial-homes")


@pytest.mark.parametrize("user", ["zhang.san", "li.si"])
def test_only_finance_may_reopen(site: Site, user: str) -> None:
    people = _signed_off(site)
    assert 'id="reopen-form"' in people["wang.wu"].get(PAGE).text
    assert 'id="reopen-form"' not in people[user].get(PAGE).text
    before = site.head()
    refused = command(people[user], "reopen-report", "reopen-form", reason="想改")
    assert refused.status_code == 403 and site.head() == before
