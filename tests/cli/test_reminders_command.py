"""`jixiao worker reminders`: one pass, once per reminder, shown in the inbox and the
overview; e-mail addresses on users; mail through a real local SMTP server."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.cli.conftest import Invoke
from tests.worker.mail_server import MailServer

WEEK = "2022-06-23T09:00"
DAY = "2022-06-29T09:00+08:00"


@pytest.fixture
def server() -> Iterator[MailServer]:
    mail = MailServer().start()
    yield mail
    mail.stop()


def test_reminders_are_recorded_once_and_shown_to_the_preparer(admin: Invoke) -> None:
    out = admin("worker", "reminders", "--now", WEEK, user=None)
    assert (out.exit_code, out.stderr) == (0, "")
    assert out.stdout == (
        "reminded gusu-rc 2021 (姑苏区红十字会): 7-days reminder, deadline 2022-06-30: "
        "7 days left\n"
        "recorded 1 reminder(s) (JIXIAO_SMTP unset: no e-mail)\n"
    )
    again = admin("worker", "reminders", "--now", WEEK, user=None)
    assert again.stdout == "recorded 0 reminder(s) (JIXIAO_SMTP unset: no e-mail)\n"

    inbox = admin("review", "inbox", "--json", user="zhang.san")
    (item,) = json.loads(inbox.stdout)
    assert (item["action"], item["stage"], item["reminder"], item["deadline"]) == (
        "open",
        "new",
        "7-days",
        "2022-06-30",
    )
    table = admin("review", "inbox", user="zhang.san").stdout
    assert "reminder" in table and "7-days" in table
    overview = admin("report", "overview", "2021", "--json")
    assert [(d["department"], d["stage"], d["reminder"]) for d in json.loads(overview.stdout)] == [
        ("gusu-rc", "new", "7-days")
    ]

    # Given in Beijing time: 09:00 on the 29th is 01:00 UTC, one day before the deadline.
    day = admin("worker", "reminders", "--now", DAY, "--json", user=None)
    data = json.loads(day.stdout)
    assert data["now"] == "2022-06-29T01:00:00+00:00" and data["mail"] == []
    assert [
        (r["department"], r["kind"], r["days_left"], r["stream"]) for r in data["recorded"]
    ] == [("gusu-rc", "1-day", 1, "fiscal_year:2021")]


def test_a_bad_moment_is_refused_in_one_line(admin: Invoke) -> None:
    out = admin("worker", "reminders", "--now", "tomorrow", user=None)
    assert out.exit_code == 2
    assert out.stderr == (
        "error: --now: got 'tomorrow', expected a time such as 2022-03-01 or 2022-03-01T09:00\n"
    )


def test_a_bad_smtp_setting_is_refused_and_records_nothing(
    admin: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIXIAO_SMTP", "smtp://bot:s3cret@mail.example.cn")
    out = admin("worker", "reminders", "--now", WEEK, user=None)
    assert out.exit_code == 1
    assert out.stderr == (
        "error: JIXIAO_SMTP: got 'smtp://bot:***@mail.example.cn', expected from=ADDRESS, "
        "the sender's e-mail address: from=jixiao@example.gov.cn\n"
    )
    monkeypatch.delenv("JIXIAO_SMTP")
    assert "recorded 1 reminder(s)" in admin("worker", "reminders", "--now", WEEK, user=None).stdout


def test_reminders_are_mailed_to_the_preparers_and_heads_with_an_address(
    admin: Invoke, server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_address = admin(
        "admin", "user", "email", "zhang.san", "zhang.san@example.gov.cn", user="root"
    )
    assert set_address.exit_code == 0, set_address.stderr
    added = admin(
        "admin", "user", "add", "qian.qi", "钱七", "--email", "qian.qi@example.gov.cn", user="root"
    )
    assert added.exit_code == 0, added.stderr
    granted = admin("admin", "user", "grant", "qian.qi", "department_head", "gusu-rc", user="root")
    assert granted.exit_code == 0, granted.stderr
    refused = admin("admin", "user", "email", "li.si", "li.si at example", user="root")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "error: user li.si email: got 'li.si at example', expected an e-mail address such as "
        "zhang.san@example.gov.cn: ASCII, one @, a domain with a dot, no spaces, at most 254 "
        "characters\n"
    )

    monkeypatch.setenv("JIXIAO_SMTP", server.url("jixiao@czj.example.gov.cn"))
    out = admin("worker", "reminders", "--now", WEEK, user=None)
    assert out.exit_code == 0, out.stderr
    assert out.stdout.splitlines()[1:] == [
        "mail mail:reminder:gusu-rc:2021:7-days:before-opening: sent, to "
        "qian.qi@example.gov.cn, zhang.san@example.gov.cn",
        "recorded 1 reminder(s), 1 e-mail(s) sent",
    ]
    assert admin("worker", "reminders", "--now", WEEK, user=None).stdout == (
        "recorded 0 reminder(s), 0 e-mail(s) sent\n"
    )
    (received,) = server.received
    assert received.sender == "jixiao@czj.example.gov.cn"
    assert sorted(received.recipients) == ["qian.qi@example.gov.cn", "zhang.san@example.gov.cn"]
    assert (
        received.message["Subject"] == "【绩效自评】姑苏区红十字会 2021 年度自评报告距截止还有 7 天"
    )


def test_the_reminder_reads_the_same_through_the_server(admin: Invoke) -> None:
    assert admin("worker", "reminders", "--now", WEEK, user=None).exit_code == 0
    served = Invoke(admin.db, admin.tokens)
    served.through_server()
    try:
        for args, user in (
            (("review", "inbox"), "zhang.san"),
            (("report", "overview", "2021"), None),
            (("report", "overview", "2021", "--json"), None),
        ):
            who = {} if user is None else {"user": user}
            here, there = admin(*args, **who), served(*args, **who)
            assert (here.exit_code, here.stderr) == (0, ""), here.stderr
            assert "7-days" in here.stdout
            assert (there.exit_code, there.stdout, there.stderr) == (0, here.stdout, "")
        here = json.loads(admin("review", "inbox", "--json", user="zhang.san").stdout)
        there = json.loads(served("review", "inbox", "--json", user="zhang.san").stdout)
        for item in (*here, *there):
            assert isinstance(item.pop("waited"), float)
        assert there == here and [i["reminder"] for i in there] == ["7-days"]
    finally:
        served.close()
