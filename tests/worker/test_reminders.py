"""Deadline reminders end to end: one pass records each reminder once and mails it once
through a real SMTP server (aiosmtpd on a free port); a server that is down is tried again;
the beat schedule runs the same pass in a real worker."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli.seed_file import project_commands
from events.store import EventStore
from projections.migrations import open_store
from tests.worker.conftest import wait_for
from tests.worker.mail_server import MailServer, free_port
from tests.worker.signed_off import Office, open_office
from tests.workflow.world import add_user
from worker.mail import parse_smtp_url
from worker.mailing import MailRelay
from worker.process import WorkerProcess
from worker.reminders import run_reminders
from worker.settings import load_settings
from workflow.administration import ChangeUserEmail, RegisterDepartment
from workflow.commands import OpenReport
from workflow.service import MAIL_TOPIC, execute

WEEK = datetime(2022, 6, 23, 9, tzinfo=UTC)
DAY = datetime(2022, 6, 29, 9, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[MailServer]:
    """A running SMTP server."""
    mail = MailServer().start()
    yield mail
    mail.stop()


def set_email(office: Office, user: str, address: str) -> None:
    execute(office.store, office.admin, ChangeUserEmail(user_id=user, email=address))


@pytest.fixture
def office(db_url: str) -> Iterator[Office]:
    """gusu-rc's report opened (a draft); gusu-edu registered with no report. The preparer,
    the head and the finance reviewer have e-mail addresses, and so does gusu-edu's preparer.
    """
    office = make_office(db_url)
    yield office
    office.store.close()


def make_office(url: str) -> Office:
    """The office of the ``office`` fixture, in the database at ``url``."""
    office = open_office(open_store(url, create=True))
    for user in ("zhang.san", "li.si", "wang.wu"):
        set_email(office, user, f"{user}@example.gov.cn")
    execute(office.store, office.preparer, OpenReport(department="gusu-rc", year=2021), now=WEEK)
    execute(office.store, office.admin, RegisterDepartment(code="gusu-edu", name="姑苏区教育局"))
    add_user(office.store, office.admin, "qian.qi", "preparer", "gusu-edu")  # type: ignore[arg-type]
    set_email(office, "qian.qi", "qian.qi@example.gov.cn")
    return office


def mail_rows(store: EventStore) -> list[tuple[str, bool, int]]:
    return [
        (row.key, row.published_at is not None, row.attempts)
        for row in store.outbox_rows(MAIL_TOPIC)
    ]


def test_a_pass_records_and_mails_each_reminder_once(office: Office, server: MailServer) -> None:
    smtp = parse_smtp_url(server.url())
    done = run_reminders(office.store, now=WEEK, smtp=smtp)
    assert [(r.stream_id, r.event.kind) for r in done.recorded] == [  # type: ignore[attr-defined]
        ("report:gusu-rc:2021", "7-days"),
        ("fiscal_year:2021", "7-days"),
    ]
    assert [(d.key, d.status, d.recipients) for d in done.deliveries] == [
        (
            "mail:reminder:gusu-rc:2021:7-days",
            "sent",
            ("li.si@example.gov.cn", "zhang.san@example.gov.cn"),
        ),
        ("mail:reminder:gusu-edu:2021:7-days:before-opening", "sent", ("qian.qi@example.gov.cn",)),
    ]
    # The finance reviewer is not reminded: the report waits for its department.
    assert [(m.sender, sorted(m.recipients)) for m in server.received] == [
        ("jixiao@example.gov.cn", ["li.si@example.gov.cn", "zhang.san@example.gov.cn"]),
        ("jixiao@example.gov.cn", ["qian.qi@example.gov.cn"]),
    ]
    rc, edu = (m.message for m in server.received)
    assert edu["Subject"] == "【绩效自评】姑苏区教育局 2021 年度自评报告距截止还有 7 天"
    assert "报告尚未创建" in edu.get_content() and "提交截止日期：2022-06-30" in edu.get_content()
    assert rc["Subject"] == "【绩效自评】姑苏区红十字会 2021 年度自评报告距截止还有 7 天"
    assert "报告（第 1 版）仍在填报中" in rc.get_content()
    assert rc["X-Jixiao-Key"] == "mail:reminder:gusu-rc:2021:7-days"

    # Again, the same day and later that week: nothing recorded, nothing sent.
    for moment in (WEEK, DAY.replace(day=27)):
        again = run_reminders(office.store, now=moment, smtp=smtp)
        assert (again.recorded, again.deliveries) == ([], [])
    assert len(server.received) == 2
    assert mail_rows(office.store) == [
        ("mail:reminder:gusu-rc:2021:7-days", True, 1),
        ("mail:reminder:gusu-edu:2021:7-days:before-opening", True, 1),
    ]

    day = run_reminders(office.store, now=DAY, smtp=smtp)
    assert [d.status for d in day.deliveries] == ["sent", "sent"]
    assert len(server.received) == 4
    assert server.received[-1].message["Subject"].endswith("明天截止")


def test_a_project_report_is_reminded_and_mailed_on_its_own(
    office: Office, server: MailServer
) -> None:
    smtp = parse_smtp_url(server.url())
    run_reminders(office.store, now=WEEK, smtp=smtp)
    # Opened after its department was reminded this week: the next pass finds it all the
    # same, though its department's 部门整体 report is owed nothing more yet.
    for command in project_commands():  # the bundled 项目支出 report, "homes"
        execute(office.store, office.preparer, command, now=WEEK)
    later = WEEK.replace(day=24)
    done = run_reminders(office.store, now=later, smtp=smtp)
    assert [(r.stream_id, r.event.kind) for r in done.recorded] == [  # type: ignore[attr-defined]
        ("report:gusu-rc:2021:homes", "7-days"),
    ]
    assert [(d.key, d.status) for d in done.deliveries] == [
        ("mail:reminder:gusu-rc:2021:homes:7-days", "sent"),
    ]
    message = server.received[-1].message
    name = done.recorded[0].event.project_name  # type: ignore[attr-defined]
    assert message["Subject"] == (
        f"【绩效自评】姑苏区红十字会 2021 年度项目支出绩效自评表（{name}，homes）距截止还有 6 天"
    )
    assert f"项目支出绩效自评表（{name}，homes）尚未提交" in message.get_content()
    again = run_reminders(office.store, now=later, smtp=smtp)
    assert (again.recorded, again.deliveries) == ([], [])


@pytest.mark.postgres
def test_on_postgresql_each_reminder_is_recorded_and_mailed_once(
    pg_url: str, server: MailServer
) -> None:
    office = make_office(pg_url)
    try:
        smtp = parse_smtp_url(server.url())
        first = run_reminders(office.store, now=DAY, smtp=smtp)
        assert [d.status for d in first.deliveries] == ["sent", "sent"]
        again = run_reminders(office.store, now=DAY, smtp=smtp)
        assert (again.recorded, again.deliveries) == ([], [])
        assert len(server.received) == 2
        assert [(published, attempts) for _, published, attempts in mail_rows(office.store)] == [
            (True, 1),
            (True, 1),
        ]
    finally:
        office.store.close()


def test_without_a_mail_server_reminders_are_recorded_and_nothing_is_mailed(
    office: Office,
) -> None:
    done = run_reminders(office.store, now=DAY, smtp=None)
    assert len(done.recorded) == 2 and done.deliveries == []
    assert mail_rows(office.store) == []


def test_a_server_that_is_down_is_tried_again_and_mails_once(office: Office) -> None:
    server = MailServer(free_port())
    smtp = parse_smtp_url(server.url())
    done = run_reminders(office.store, now=DAY, smtp=smtp)
    assert len(done.recorded) == 2
    (failed,) = done.deliveries  # the relay stops at the first failure
    assert failed.status == "failed" and "ConnectionRefusedError" in failed.detail
    assert [(published, attempts) for _, published, attempts in mail_rows(office.store)] == [
        (False, 1),
        (False, 0),
    ]
    server.start()
    try:
        relay = MailRelay(office.store, smtp)
        assert [d.status for d in relay.deliver_pending()] == ["sent", "sent"]
        assert relay.deliver_pending() == []
        assert run_reminders(office.store, now=DAY, smtp=smtp).deliveries == []
    finally:
        server.stop()
    assert len(server.received) == 2
    assert [(published, attempts) for _, published, attempts in mail_rows(office.store)] == [
        (True, 2),
        (True, 1),
    ]


def test_a_message_is_given_up_after_its_attempts(office: Office) -> None:
    smtp = parse_smtp_url(MailServer(free_port()).url())
    run_reminders(office.store, now=DAY, smtp=None)  # recorded without mail
    execute(office.store, office.admin, RegisterDepartment(code="gusu-hw", name="姑苏区卫健委"))
    add_user(office.store, office.admin, "sun.ba", "preparer", "gusu-hw")  # type: ignore[arg-type]
    set_email(office, "sun.ba", "sun.ba@example.gov.cn")
    (first,) = run_reminders(office.store, now=DAY, smtp=smtp).deliveries
    assert first.status == "failed"
    relay = MailRelay(office.store, smtp, attempts=3)
    assert [d.status for d in relay.deliver_pending()] == ["failed"]
    assert [d.status for d in relay.deliver_pending()] == ["given up"]
    assert relay.deliver_pending() == []
    assert mail_rows(office.store) == [("mail:reminder:gusu-hw:2021:1-day:before-opening", True, 3)]


def test_a_department_nobody_can_be_mailed_for_is_marked_and_logged(
    office: Office, server: MailServer, caplog: pytest.LogCaptureFixture
) -> None:
    execute(office.store, office.admin, ChangeUserEmail(user_id="qian.qi", email=None))
    done = run_reminders(office.store, now=DAY, smtp=parse_smtp_url(server.url()))
    assert [(d.key, d.status) for d in done.deliveries] == [
        ("mail:reminder:gusu-rc:2021:1-day", "sent"),
        ("mail:reminder:gusu-edu:2021:1-day:before-opening", "no recipient"),
    ]
    assert "no preparer or head of gusu-edu has an e-mail address" in caplog.text
    assert len(server.received) == 1


def test_two_relays_never_send_one_row_twice(office: Office) -> None:
    run_reminders(office.store, now=DAY, smtp=parse_smtp_url(MailServer(free_port()).url()))
    pending = office.store.pending_outbox(topic=MAIL_TOPIC)
    assert len(pending) == 2
    row_id = pending[0][0]
    assert office.store.claim(row_id, DAY) == 2  # a first failed attempt, and this one
    assert office.store.claim(row_id, DAY) is None


def test_render_rows_are_not_hidden_behind_mail_rows(office: Office) -> None:
    run_reminders(office.store, now=DAY, smtp=parse_smtp_url(MailServer(free_port()).url()))
    assert office.store.pending_outbox(1, topic="render") == []
    assert [m.topic for _, m in office.store.pending_outbox(1)] == [MAIL_TOPIC]


@pytest.mark.parametrize(
    ("url", "shown", "security", "port", "user"),
    [
        (
            "smtp://mail.example.cn?from=j@example.cn",
            "smtp://mail.example.cn:25",
            "plain",
            25,
            None,
        ),
        (
            "smtp://bot:p%40ss@mail.example.cn?from=j@example.cn&starttls=1",
            "smtp://bot@mail.example.cn:587",
            "starttls",
            587,
            "bot",
        ),
        (
            "smtps://mail.example.cn:2465?from=j@example.cn",
            "smtps://mail.example.cn:2465",
            "tls",
            2465,
            None,
        ),
    ],
)
def test_the_smtp_url(url: str, shown: str, security: str, port: int, user: str | None) -> None:
    smtp = parse_smtp_url(url)
    assert (smtp.shown(), smtp.security, smtp.port, smtp.username, smtp.sender) == (
        shown,
        security,
        port,
        user,
        "j@example.cn",
    )
    if user:
        assert smtp.password == "p@ss" and "p@ss" not in repr(smtp)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "mail.example.cn",
            "expected smtp://[USER[:PASSWORD]@]HOST[:PORT]?from=ADDRESS[&starttls=1]"
            "[&timeout=SECONDS], or smtps://… for TLS",
        ),
        (
            "smtp://mail.example.cn",
            "expected from=ADDRESS, the sender's e-mail address: from=jixiao@example.gov.cn",
        ),
        (
            "smtp://mail.example.cn?from=j@example.cn&starttls=maybe",
            "expected starttls=1 or starttls=0",
        ),
        (
            "smtp://mail.example.cn?from=j@example.cn&tls=1",
            "expected only the options from, starttls and timeout (not tls)",
        ),
        (
            "smtp://mail.example.cn?from=j@example.cn&timeout=0",
            "expected timeout=SECONDS, a number of seconds > 0",
        ),
        (
            "smtps://mail.example.cn?from=j@example.cn&starttls=1",
            "expected smtps:// (TLS from the start) or starttls=1 on smtp://, not both",
        ),
    ],
)
def test_a_bad_smtp_url_is_refused_in_one_line(url: str, expected: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_smtp_url(url)
    assert str(caught.value) == f"JIXIAO_SMTP: got {url!r}, {expected}"


def test_a_refused_smtp_url_hides_its_password() -> None:
    with pytest.raises(ValueError) as caught:
        load_settings({"JIXIAO_SMTP": "smtp://bot:s3cret@mail.example.cn"})
    assert "s3cret" not in str(caught.value)
    assert str(caught.value).startswith("JIXIAO_SMTP: got 'smtp://bot:***@mail.example.cn', ")


@pytest.mark.slow
def test_the_beat_schedule_sends_reminders_through_a_worker(
    office: Office, server: MailServer, db_url: str, tmp_path: Path
) -> None:
    settings = load_settings(
        {"JIXIAO_SMTP": server.url(), "JIXIAO_REMINDER_INTERVAL": "3600"},
        db_url=db_url,
        out_dir=tmp_path / "out",
    )
    # The seed's deadline is long past: the first beat, at once, sends the overdue ones. The
    # worker renders the signed-off report too: on a loaded machine that can take a minute.
    with WorkerProcess(settings, log_path=tmp_path / "worker.log", beat=True).start() as worker:
        wait_for(lambda: len(server.received) == 2, 180, "two reminders mailed by the beat")
        assert worker.alive
    kinds = {
        (r.stream_id, r.event.kind)  # type: ignore[attr-defined]
        for r in office.store.read_all(0, 10_000)
        if r.event_type == "DeadlineReminderSent"
    }
    assert kinds == {("report:gusu-rc:2021", "overdue"), ("fiscal_year:2021", "overdue")}
    assert {tuple(sorted(m.recipients)) for m in server.received} == {
        ("qian.qi@example.gov.cn",),
        ("li.si@example.gov.cn", "zhang.san@example.gov.cn"),
    }
