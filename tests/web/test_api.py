"""The JSON API: every report command by name, the reads, one-line refusals that record
nothing, and the OpenAPI description."""

from __future__ import annotations

import pytest

from tests.web.conftest import REPORT, Site
from web.commands import COMMANDS, command_name
from workflow.authorization import PERMISSIONS
from workflow.commands import RecordRenderFailure, RecordRendering, RemindOfDeadline


def test_every_command_a_person_issues_has_an_endpoint(site: Site) -> None:
    issued = {
        command_name(c)
        for c in PERMISSIONS
        if c not in (RecordRendering, RecordRenderFailure, RemindOfDeadline)
    }
    assert set(COMMANDS) == issued and len(issued) == 27
    client = site.client()
    spec = client.get("/api/openapi.json").json()
    paths = {p.rsplit("/", 1)[-1] for p in spec["paths"] if "/commands/" in p}
    assert paths == issued
    # Each again for a department's 项目支出 reports, with the project in the path.
    project = {
        p.rsplit("/", 1)[-1]
        for p in spec["paths"]
        if p.startswith("/api/v1/reports/{department}/{year}/projects/{project}/commands/")
    }
    assert project == issued
    body = spec["components"]["schemas"]["SetInitialBudgetBody"]
    assert body["required"] == ["line", "amount"]
    assert body["properties"]["amount"]["type"] == "string"
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_a_command_is_recorded_and_shows_in_the_reads(site: Site) -> None:
    client = site.client()
    preparer = site.bearer("zhang.san")
    out = client.post(
        f"{REPORT}/commands/record-actual-spending",
        json={"line": "homes", "amount": "3.3"},
        headers=preparer,
    )
    assert out.status_code == 200
    recorded = out.json()
    assert recorded["recorded"] == 1 and recorded["events"] == ["ActualSpendingRecorded"]
    assert recorded["stream"] == "report:gusu-rc:2021" and recorded["position"] == site.head()
    view = client.get(REPORT, headers=preparer).json()
    homes = next(r for r in view["budget"]["rows"] if r["id"] == "homes")
    assert homes["actual"] == "3.3" and homes["execution_rate"] == "103.1"
    trail = client.get(f"{REPORT}/trail?item=line:homes&by=zhang.san", headers=preparer).json()
    assert trail[-1]["after_raw"] == "3.3" and trail[-1]["event_type"] == "ActualSpendingRecorded"
    position = recorded["position"]
    before = client.get(f"{REPORT}/as-of?moment={position - 1}", headers=preparer).json()
    was = next(r for r in before["view"]["budget"]["rows"] if r["id"] == "homes")
    assert (before["position"], was["actual"]) == (position - 1, "3.2")
    diff = client.get(
        f"{REPORT}/diff?since={position - 1}&until={position}", headers=preparer
    ).json()
    changed = {c["path"]: (c["before"], c["after"]) for c in diff["changes"]}
    assert changed["budget.rows[博爱家园建设].actual"] == ("3.2", "3.3")
    assert changed["budget.rows[预算资金总额].actual"] == ("279.08", "279.18")
    listed = client.get("/api/v1/reports?year=2021", headers=preparer).json()
    assert [(r["department"], r["stage"]) for r in listed] == [("gusu-rc", "draft")]
    again = client.post(
        f"{REPORT}/commands/record-actual-spending",
        json={"line": "homes", "amount": "3.3"},
        headers=preparer,
    )
    assert again.json()["recorded"] == 0  # the report already says so


@pytest.mark.parametrize(
    ("command", "body", "user", "status", "error", "field"),
    [
        (
            "set-initial-budget",
            {"line": "homes", "amount": "abc"},
            "zhang.san",
            422,
            "line 博爱家园建设 年初预算数: got 'abc', expected",
            None,
        ),
        (
            "set-initial-budget",
            {"line": "homes", "amount": 8.5},
            "zhang.san",
            422,
            "amount: got 8.5, expected a valid string",
            "amount",
        ),
        (
            "set-initial-budget",
            {"line": "homes"},
            "zhang.san",
            422,
            "amount: missing, expected a value",
            "amount",
        ),
        (
            "submit-report",
            {"revison": 1},
            "zhang.san",
            422,
            "revison: got 1, expected no such field",
            "revison",
        ),
        (
            "approve-report",
            {},
            "li.si",
            409,
            "report report:gusu-rc:2021 stage: got 草稿（draft）",
            None,
        ),
        (
            "add-budget-line",
            {"line": "x", "name": "新项目"},
            "li.si",
            403,
            "expected 填报人（preparer）",
            None,
        ),
        ("submit-report", {"revision": 2}, "zhang.san", 409, "revision", None),
    ],
)
def test_a_refusal_is_one_line_of_json_and_records_nothing(
    site: Site, command, body, user, status, error, field
) -> None:
    before = site.head()
    out = site.client().post(f"{REPORT}/commands/{command}", json=body, headers=site.bearer(user))
    assert out.status_code == status, out.text
    answer = out.json()
    assert error in answer["error"] and "\n" not in answer["error"]
    if field is not None:
        assert answer["field"] == field
    assert set(answer) <= {"error", "field", "problems"}
    assert site.head() == before


def test_a_blocked_submission_lists_every_problem(site: Site) -> None:
    client = site.client()
    preparer = site.bearer("zhang.san")
    cleared = client.post(
        f"{REPORT}/commands/record-indicator-actual",
        json={"indicator": "d04", "actual": "1 人次", "deviation_reason": ""},
        headers=preparer,
    )
    assert cleared.status_code == 200, cleared.text
    before = site.head()
    out = client.post(f"{REPORT}/commands/submit-report", json={}, headers=preparer)
    assert out.status_code == 422
    answer = out.json()
    assert answer["error"].startswith("report report:gusu-rc:2021 cannot be submitted")
    assert answer["problems"] and all("\n" not in p for p in answer["problems"])
    assert site.head() == before


def test_the_review_flow_through_the_api(site: Site) -> None:
    client = site.client()
    steps = [
        ("submit-report", {}, "zhang.san", ["ReportSubmitted"]),
        ("approve-report", {"comment": "同意"}, "li.si", ["ReportApproved"]),
        ("approve-report", {"revision": 1}, "wang.wu", ["ReportApproved"]),
        ("sign-off-report", {}, "li.si", ["SignOffRecorded"]),
        ("sign-off-report", {}, "wang.wu", ["SignOffRecorded", "ReportSignedOff"]),
    ]
    for command, body, user, events in steps:
        if command == "sign-off-report" and user == "li.si":
            waiting = client.get("/api/v1/inbox", headers=site.bearer(user)).json()
            assert [(i["report"], i["action"]) for i in waiting] == [
                ("report:gusu-rc:2021", "sign_off")
            ]
        out = client.post(f"{REPORT}/commands/{command}", json=body, headers=site.bearer(user))
        assert out.status_code == 200, (command, out.text)
        assert out.json()["events"] == events
        if command == "submit-report":
            assert out.json()["notices"][0].startswith("section 1.3 figure 接收社会捐赠款物")
    view = client.get(REPORT, headers=site.bearer("zhao.liu")).json()
    assert view["stage"] == "signed_off" and view["signed_off_by"] == ["li.si", "wang.wu"]
    me = client.get("/api/v1/me", headers=site.bearer("wang.wu")).json()
    assert me == {"user": "wang.wu", "name": "wang.wu", "grants": ["finance_reviewer@*"]}


def test_reads_refuse_bad_filters_in_one_line(site: Site) -> None:
    client = site.client()
    auditor = site.bearer("zhao.liu")
    cases = {
        "/api/v1/reports?stage=bogus": "stage: got 'bogus', expected one of draft,",
        f"{REPORT}/trail?item=cell:x": "item: got 'cell:x', expected line:ID",
        f"{REPORT}/trail?since=yesterday": "since: got 'yesterday', expected a time",
        f"{REPORT}/as-of?moment=99999": "moment: got '99999', expected a log position up to",
        f"{REPORT}/diff?since=5&until=3": "since: got '5', later than until '3'",
        "/api/v1/reports?year=1999": "year: got '1999', expected greater than or equal to 2000",
    }
    for path, error in cases.items():
        out = client.get(path, headers=auditor)
        assert out.status_code == 422, (path, out.text)
        assert out.json()["error"].startswith(error), (path, out.json())
    unknown = client.get("/api/v1/nothing-here", headers=auditor)
    assert (
        unknown.status_code == 404 and unknown.json()["error"] == "/api/v1/nothing-here: not found"
    )


def test_the_forms_indicator_fields_through_the_api(site: Site) -> None:
    client = site.client()
    preparer = site.bearer("zhang.san")
    out = client.post(
        f"{REPORT}/commands/add-indicator",
        json={
            "indicator": "k1",
            "category": "产出指标",
            "name": "结余率",
            "target": "5",
            "nature": "≦",
            "unit": "百分比",
            "core": True,
            "weight": "5",
        },
        headers=preparer,
    )
    assert out.status_code == 200, out.text
    for name, body, event in (
        ("adjust-indicator-target", {"indicator": "k1", "target": "4", "reason": "压减"},
         "IndicatorTargetAdjusted"),
        ("set-indicator-score", {"indicator": "k1", "score": "4.5"}, "IndicatorScoreTyped"),
    ):  # fmt: skip
        out = client.post(f"{REPORT}/commands/{name}", json=body, headers=preparer)
        assert (out.status_code, out.json()["events"]) == (200, [event]), out.text
    k1 = next(
        i for i in client.get(REPORT, headers=preparer).json()["indicators"] if i["id"] == "k1"
    )
    assert (k1["nature"], k1["unit"], k1["core"], k1["score"]) == ("≤", "%", True, "4.5")
    assert (k1["initial_target"]["raw"], k1["target"]["raw"]) == ("≦5百分比", "≤4%")
    refused = client.post(
        f"{REPORT}/commands/set-indicator-score",
        json={"indicator": "k1", "score": "6"},
        headers=preparer,
    )
    assert refused.status_code == 422
    assert refused.json()["error"] == "indicator 结余率 得分: got '6', expected at most its 分值 5"
