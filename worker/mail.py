"""E-mail through the mail server ``JIXIAO_SMTP`` names: its settings, and the messages sent.

``JIXIAO_SMTP`` is a URL: ``smtp://[USER[:PASSWORD]@]HOST[:PORT]?from=ADDRESS`` (plain SMTP,
port 25), with ``&starttls=1`` to upgrade the connection (port 587 by default), or
``smtps://…`` for TLS from the start (port 465). ``&timeout=SECONDS`` bounds each step
(10 by default). The user name and password are percent-decoded, so ``@`` or ``:`` in a
password is written ``%40`` or ``%3A``.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from workflow.administration import email_address
from workflow.deadlines import ReminderKind
from workflow.errors import InvalidValue

SMTP_FORMAT = (
    "smtp://[USER[:PASSWORD]@]HOST[:PORT]?from=ADDRESS[&starttls=1][&timeout=SECONDS], "
    "or smtps://… for TLS"
)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how mail is sent."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    #: ``tls`` (smtps://), ``starttls``, or ``plain``.
    security: str = "plain"
    timeout: float = 10.0

    def shown(self) -> str:
        """The server as a URL without the password, for logs and messages."""
        scheme = "smtps" if self.security == "tls" else "smtp"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def _hidden(text: str) -> str:
    """The URL with its password replaced by ``***``."""
    try:
        parts = urlsplit(text)
        if parts.password is None:
            return text
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return parts._replace(netloc=netloc).geturl()
    except ValueError:
        return text


def parse_smtp_url(text: str) -> SmtpSettings:
    """``JIXIAO_SMTP`` as settings; ValueError naming the variable, the value (password
    hidden) and the form expected."""

    def refused(why: str) -> ValueError:
        return ValueError(f"JIXIAO_SMTP: got {_hidden(text)!r}, expected {why}")

    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        raise refused(SMTP_FORMAT) from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise refused(SMTP_FORMAT)
    options = parse_qs(parts.query, keep_blank_values=True)
    query = {key: values[-1] for key, values in options.items()}
    unknown = sorted(set(query) - {"from", "starttls", "timeout"})
    if unknown:
        raise refused(f"only the options from, starttls and timeout (not {', '.join(unknown)})")
    try:
        sender = email_address("sender", query.get("from"))
    except InvalidValue:
        sender = None
    if sender is None:
        raise refused("from=ADDRESS, the sender's e-mail address: from=jixiao@example.gov.cn")
    starttls = query.get("starttls", "").strip().lower()
    if starttls not in _TRUE | _FALSE:
        raise refused("starttls=1 or starttls=0")
    try:
        timeout = float(query.get("timeout", "10"))
    except ValueError:
        timeout = 0.0
    if not timeout > 0:
        raise refused("timeout=SECONDS, a number of seconds > 0")
    if parts.scheme == "smtps":
        if starttls in _TRUE:
            raise refused("smtps:// (TLS from the start) or starttls=1 on smtp://, not both")
        security, default_port = "tls", 465
    elif starttls in _TRUE:
        security, default_port = "starttls", 587
    else:
        security, default_port = "plain", 25
    return SmtpSettings(
        host=parts.hostname,
        port=port or default_port,
        sender=sender,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        security=security,
        timeout=timeout,
    )


def send(settings: SmtpSettings, message: EmailMessage) -> dict[str, Any]:
    """Hand ``message`` to the mail server; the recipients it refused (the others took it).

    smtplib's errors (``SMTPException``, ``OSError``) propagate: the caller decides whether
    to try again.
    """
    if settings.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            timeout=settings.timeout,
            context=ssl.create_default_context(),
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        if settings.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if settings.username:
            client.login(settings.username, settings.password or "")
        return dict(client.send_message(message))


# --- the reminder's message -------------------------------------------------------------


def _status(kind: str, days_left: int) -> str:
    if kind == ReminderKind.OVERDUE:
        return f"已逾期 {-days_left} 天"
    if days_left == 0:
        return "今天截止"
    if days_left == 1:
        return "明天截止"
    return f"距截止还有 {days_left} 天"


def reminder_message(
    key: str, payload: dict[str, Any], recipients: list[str], sender: str
) -> EmailMessage:
    """The e-mail of a deadline reminder (its outbox ``payload``) to ``recipients``.

    Its Message-ID is derived from the outbox ``key``, so a copy sent twice is recognisably
    the same message.
    """
    name, year = payload["department_name"], payload["year"]
    status = _status(payload["kind"], int(payload["days_left"]))
    if int(payload["revision"]) == 0:
        todo = "报告尚未创建：请尽快登录系统创建并填报。"
    else:
        todo = f"报告（第 {payload['revision']} 版）仍在填报中：请尽快完成并提交。"
    project = payload.get("project_code")
    if project:
        # A 项目支出 report's reminder: the form named by its project.
        report = f"项目支出绩效自评表（{payload.get('project_name') or project}，{project}）"
        subject = f"{name} {year} 年度{report}"
    else:
        report = "部门整体支出绩效自评报告"
        subject = f"{name} {year} 年度自评报告"
    message = EmailMessage()
    message["Subject"] = f"【绩效自评】{subject}{status}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    message["Message-ID"] = f"<{digest}@jixiao>"
    message["X-Jixiao-Key"] = key
    message.set_content(
        f"{name}（{payload['department']}）{year} 年度{report}尚未提交。\n"
        f"提交截止日期：{payload['deadline']}，{status}。\n"
        f"{todo}\n\n"
        "本邮件由 jixiao 自动发送，请勿回复。\n"
    )
    return message
