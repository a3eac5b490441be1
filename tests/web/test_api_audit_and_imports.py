"""The API's import (many commands as one change), report file, verification, replay and
artifact check: what `jixiao --server` uses for the commands the other endpoints lack."""

from __future__ import annotations

from cli.remote import command_body
from cli.remote import command_name as cli_command_name
from tests.web.conftest import OTHER, REPORT, Site
from web.commands import COMMANDS
from workflow.commands import RecordAdjustment, SetNetAssets

IMPORT = f"{REPORT}/commands"


def test_the_cli_names_and_fills_every_command_as_the_api_does() -> None:
    assert {cli_command_name(command): name for name, command in COMMANDS.items()} == {
        name: name for name in COMMANDS
    }
    adjust = RecordAdjustment(
        department="gusu-rc", year=2021, line="homes", amount="-4.8", kind="in_year", reason="x"
    )
    assert command_body(adjust) == {
        "line": "homes",
        "amount": "-4.8",
        "kind": "in_year",
        "reason": "x",
        "document": "",
        "revision": None,
    }
    from datetime import date

    assets = SetNetAssets(department="gusu-rc", year=2021, amount=5, as_of=date(2021, 12, 31))
    assert command_body(assets)["amount"] == "5"
    assert command_body(assets)["as_of"] == "2021-12-31"


def located(where: str, command: str, **body: object) -> dict[str, object]:
    """One command of an import's body."""
    return {"where": where, "command": command, "body": body}


def test_an_import_is_one_change_or_none(site: Site) -> None:
    client = site.client()
    preparer = site.bearer("zhang.san")
    head = site.head()
    commands = [
        located("lines[0]", "set-initial-budget", line="homes", amount="9"),
        located("lines[1]", "record-actual-spending", line="nowhere", amount="1"),
        located("indicators[0]", "record-indicator-actual", indicator="b04", actual="100&"),
    ]
    out = client.post(IMPORT, json={"source": "x.yaml", "commands": commands}, headers=preparer)
    assert out.status_code == 422
    refused = out.json()
    assert refused["field"] == "commands"
    assert refused["error"].startswith("x.yaml rejected, nothing recorded, 2 problems: lines[1]:")
    assert [p.split(":")[0] for p in refused["problems"]] == ["lines[1]", "indicators[0]"]
    assert site.head() == head
    checked = client.post(
        IMPORT, json={"commands": commands[:1], "check": True}, headers=preparer
    ).json()
    assert (checked["recorded"], site.head()) == (0, head)
    done = client.post(IMPORT, json={"commands": commands[:1]}, headers=preparer).json()
    assert (done["recorded"], done["events"], site.head()) == (1, ["InitialBudgetSet"], head + 1)


def test_an_import_names_what_it_cannot_read(site: Site) -> None:
    client = site.client()
    preparer = site.bearer("zhang.san")
    unknown = [{"where": "a", "command": "delete-report", "body": {}}]
    out = client.post(IMPORT, json={"commands": unknown}, headers=preparer)
    assert (out.status_code, out.json()["error"]) == (
        422,
        "commands[0].command: got 'delete-report', expected a report command such as "
        "set-initial-budget (see /api/docs)",
    )
    typed = [
        {"where": "a", "command": "set-initial-budget", "body": {"line": "homes", "amount": 9}}
    ]
    out = client.post(IMPORT, json={"commands": typed}, headers=preparer)
    assert out.status_code == 422
    assert out.json()["error"] == "commands.0.amount: got 9, expected a valid string"
    other = client.post(
        f"/api/v1/reports/{OTHER}/2021/commands",
        json={"commands": [{"where": "r", "command": "open-report"}]},
        headers=site.bearer("zhang.san"),
    )
    assert other.status_code == 422 and "preparer" in other.json()["error"]
    valid = [located("a", "set-initial-budget", line="homes", amount="9")]
    stranger = client.post(IMPORT, json={"commands": valid}, headers=site.bearer("sun.qi"))
    assert stranger.status_code == 404, stranger.json()


def test_the_report_file_verify_replay_and_artifact(site: Site) -> None:
    client = site.client()
    preparer, auditor = site.bearer("zhang.san"), site.bearer("zhao.liu")
    document = client.get(f"{REPORT}/file", headers=preparer).json()
    assert (document["department"], document["budget"]["lines"][0]["initial"]) == (
        "gusu-rc",
        "300.09",
    )
    assert client.get(f"{REPORT}/file", headers=site.bearer("wang.wu")).status_code == 404

    verified = client.get("/api/v1/verify?chain_only=true", headers=preparer).json()
    assert verified["ok"] and verified["head_position"] == site.head()
    assert "snapshots" not in verified
    anchor = f"{verified['head_position']}:{verified['head_hash']}"
    full = client.get(f"/api/v1/verify?expect={anchor}", headers=preparer).json()
    assert full["ok"] and full["anchors"] == [
        {"position": verified["head_position"], "hash": verified["head_hash"]}
    ]
    bad = client.get("/api/v1/verify?expect=1:xyz", headers=preparer)
    assert bad.status_code == 422 and bad.json()["field"] == "expect"
    assert client.get("/api/v1/verify").status_code == 401

    replayed = client.get("/api/v1/years/2021/replay", headers=auditor).json()
    assert replayed["replay"]["chain"]["ok"] and replayed["csv"].startswith("position,")
    assert len(replayed["replay"]["changes"]) == replayed["csv"].count("\r\n") - 1
    refused = client.get("/api/v1/years/2021/replay", headers=preparer)
    assert refused.status_code == 403
    unopened = client.get("/api/v1/years/2030/replay", headers=auditor)
    assert unopened.status_code == 422 and unopened.json()["field"] == "year"

    unknown = client.post(
        "/api/v1/artifacts/check?name=x.pdf", content=b"%PDF- not ours", headers=auditor
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"].startswith("x.pdf: SHA-256 ")
    assert unknown.json()["error"].endswith("no ReportRendered event records this file")
