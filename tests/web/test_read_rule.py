"""Reads and commands through the server follow the read rule: strangers sign in first,
another department's report is not found (404, never 403), finance sees submitted reports."""

from __future__ import annotations

from tests.web.conftest import PAGE, REPORT, Site, sign_in

NOT_FOUND = {
    "error": "report gusu-rc/2021: not found, expected an opened report you may read",
    "field": None,
}


def test_without_credentials_the_api_answers_401_and_pages_send_to_sign_in(site: Site) -> None:
    client = site.client()
    for path in (REPORT, "/api/v1/inbox", f"{REPORT}/trail", "/api/v1/years/2021/overview"):
        out = client.get(path)
        assert out.status_code == 401, path
        assert out.json() == {
            "error": "authorization: missing, expected `Authorization: Bearer USER:TOKEN` or "
            "a signed-in session",
            "field": "authorization",
        }
        assert out.headers["www-authenticate"] == "Bearer"
    before = site.head()
    posted = client.post(f"{REPORT}/commands/submit-report", json={})
    assert posted.status_code == 401 and site.head() == before
    page = client.get(PAGE, follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, f"/sign-in?next={PAGE}")
    assert client.get("/", follow_redirects=True).url.path == "/sign-in"
    garbled = client.get(REPORT, headers={"Authorization": "Bearer nonsense"})
    assert garbled.status_code == 401 and garbled.json()["field"] == "authorization"
    basic = client.get(REPORT, headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 401


def test_another_departments_report_is_not_found(site: Site) -> None:
    client = site.client()
    other = site.bearer("sun.qi")
    out = client.get(REPORT, headers=other)
    assert (out.status_code, out.json()) == (404, NOT_FOUND)
    missing = client.get("/api/v1/reports/gusu-rc/2030", headers=site.bearer("zhang.san"))
    assert missing.status_code == 404
    assert missing.json()["error"] == NOT_FOUND["error"].replace("2021", "2030")
    for path in ("trail", "as-of?moment=1", "diff?since=1&until=2"):
        assert client.get(f"{REPORT}/{path}", headers=other).status_code == 404, path
    assert client.get("/api/v1/reports", headers=other).json() == []
    assert client.get("/api/v1/trail", headers=other).json() == []
    overview = client.get("/api/v1/years/2021/overview", headers=other).json()
    assert [(r["department"], r["stage"]) for r in overview] == [("other-dept", "new")]
    before = site.head()
    command = client.post(f"{REPORT}/commands/submit-report", json={}, headers=other)
    assert (command.status_code, command.json()) == (404, NOT_FOUND)
    assert site.head() == before
    sign_in(client, site, "sun.qi")
    page = client.get(PAGE)
    assert page.status_code == 404 and "未找到" in page.text


def test_finance_reads_a_report_once_it_was_submitted(site: Site) -> None:
    client = site.client()
    finance = site.bearer("wang.wu")
    assert client.get(REPORT, headers=finance).status_code == 404
    overview = client.get("/api/v1/years/2021/overview", headers=finance).json()
    gusu = next(r for r in overview if r["department"] == "gusu-rc")
    assert gusu["stage"] == "draft" and gusu["figures"]["total"] is None
    assert gusu["last_actor"] is None
    done = client.post(
        f"{REPORT}/commands/submit-report", json={}, headers=site.bearer("zhang.san")
    )
    assert done.status_code == 200
    view = client.get(REPORT, headers=finance).json()
    assert (view["stage"], view["budget"]["rows"][0]["total"]) == ("submitted", "279.08")
    overview = client.get("/api/v1/years/2021/overview", headers=finance).json()
    assert next(r for r in overview if r["department"] == "gusu-rc")["figures"]["total"] == "279.08"
    # A return makes it a draft again; finance keeps following it.
    head = site.bearer("li.si")
    returned = client.post(
        f"{REPORT}/commands/return-report", json={"comment": "请补充"}, headers=head
    )
    assert returned.status_code == 200
    assert client.get(REPORT, headers=finance).json()["stage"] == "draft"


def test_auditors_read_everything(site: Site) -> None:
    client = site.client()
    auditor = site.bearer("zhao.liu")
    assert client.get(REPORT, headers=auditor).json()["stage"] == "draft"
    trail = client.get("/api/v1/trail", headers=auditor).json()
    assert len(trail) > 100 and {e["report"] for e in trail} == {"report:gusu-rc:2021"}
