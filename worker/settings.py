"""Where the worker finds its database, broker and output folder, read from the environment.

One deployment runs against PostgreSQL and Redis (``JIXIAO_DB``, ``JIXIAO_BROKER``); the
embedded default needs no server: a SQLite store, and kombu's SQLAlchemy transport on a
SQLite file beside it (docs/decisions/0301-embedded-transport.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from events.database import database_url, parse_database_url
from worker.mail import SmtpSettings, parse_smtp_url
from workflow.errors import InvalidValue
from workflow.text import clean

#: The output folder used when neither an argument nor ``JIXIAO_OUT`` names one.
DEFAULT_OUT_DIR = "jixiao-output"

#: The time zone documents print times in when ``JIXIAO_TIMEZONE`` names none: 北京时间.
DEFAULT_TIMEZONE = "Asia/Shanghai"

#: The broker file of the embedded default when the store is not a SQLite file.
DEFAULT_EMBEDDED_BROKER = "sqla+sqlite:///jixiao-broker.db"


@dataclass(frozen=True)
class WorkerSettings:
    """Everything a worker, its relay and its render task need to know."""

    db_url: str
    broker_url: str
    out_dir: Path
    #: A key prefix on a shared Redis, so tests and tenants do not see each other's queues.
    broker_prefix: str = ""
    #: Seconds a delivered, unacknowledged task stays invisible on Redis before it is
    #: handed out again: longer than the longest render (one takes about a second).
    visibility_timeout: int = 3600
    #: Seconds after a sign-off (or the last dispatch) before the sweep re-dispatches a
    #: revision that still has no ``ReportRendered``: longer than a normal queue wait, and
    #: than the hard time limit, so that a render still running is not dispatched twice.
    redispatch_after: float = 300.0
    #: Seconds between two passes of the relay over the outbox.
    relay_interval: float = 0.1
    #: Seconds the render task pauses after its first file: only tests set it, to kill a
    #: worker mid-render at a known point.
    render_pause: float = 0.0
    #: Seconds a render may take before it is interrupted (Celery's soft time limit): it
    #: then records ``RenderFailed`` and frees its pool process for other reports. 0: no
    #: soft limit, only the hard one.
    render_soft_limit: float = 120.0
    #: Seconds after which a render that ignored its soft limit is killed with its pool
    #: process (Celery's hard time limit); the worker records ``RenderFailed`` for it too.
    render_hard_limit: float = 150.0
    #: Failed attempts of one revision (time limits, errors) before the worker gives up
    #: on it: the last ``RenderFailed`` is final and nothing dispatches the revision again.
    render_attempts: int = 3
    #: Base of the backoff between two attempts of a revision, in seconds: the n-th retry
    #: waits a random time up to ``render_retry_backoff * 2**(n-1)`` (at most an hour).
    render_retry_backoff: float = 60.0
    #: ``JIXIAO_SMTP``: the mail server deadline reminders are sent through (worker.mail);
    #: empty, no e-mail is sent.
    smtp_url: str = field(default="", repr=False)
    #: Seconds between two deadline-reminder passes of the beat schedule.
    reminder_interval: float = 3600.0

    @property
    def smtp(self) -> SmtpSettings | None:
        """The mail server's settings, or None when no e-mail is to be sent."""
        return parse_smtp_url(self.smtp_url) if self.smtp_url else None

    @property
    def embedded(self) -> bool:
        """Whether the broker is the serverless SQLAlchemy transport."""
        return self.broker_url.startswith("sqla+")

    @property
    def result_backend(self) -> str:
        """Celery's result backend: Redis beside a Redis broker, a SQLite file otherwise.

        Tasks ignore their results (the event log is the record of what was rendered),
        so the backend is configured for completeness and stays empty.
        """
        if self.embedded:
            return "db+" + self.broker_url.removeprefix("sqla+")
        return self.broker_url

    def env(self) -> dict[str, str]:
        """These settings as the environment variables a worker subprocess reads."""
        return {
            "JIXIAO_DB": self.db_url,
            "JIXIAO_BROKER": self.broker_url,
            "JIXIAO_OUT": str(self.out_dir),
            "JIXIAO_BROKER_PREFIX": self.broker_prefix,
            "JIXIAO_VISIBILITY_TIMEOUT": str(self.visibility_timeout),
            "JIXIAO_REDISPATCH_AFTER": str(self.redispatch_after),
            "JIXIAO_RELAY_INTERVAL": str(self.relay_interval),
            "JIXIAO_RENDER_PAUSE": str(self.render_pause),
            "JIXIAO_RENDER_SOFT_LIMIT": str(self.render_soft_limit),
            "JIXIAO_RENDER_HARD_LIMIT": str(self.render_hard_limit),
            "JIXIAO_RENDER_ATTEMPTS": str(self.render_attempts),
            "JIXIAO_RENDER_RETRY_BACKOFF": str(self.render_retry_backoff),
            "JIXIAO_SMTP": self.smtp_url,
            "JIXIAO_REMINDER_INTERVAL": str(self.reminder_interval),
        }

    def but(self, **changes: Any) -> WorkerSettings:
        """A copy with some settings changed."""
        return replace(self, **changes)


def embedded_broker_url(db_url: str) -> str:
    """The serverless broker for a store: a SQLite file beside a SQLite store.

    The broker gets its own file so that polling workers never take the store's write
    lock; a PostgreSQL store gets ``jixiao-broker.db`` in the working directory.
    """
    url = parse_database_url(db_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return DEFAULT_EMBEDDED_BROKER
    path = Path(url.database).expanduser().absolute()
    return f"sqla+sqlite:///{path.with_name(path.stem + '-broker.db')}"


def timezone_name(env: Mapping[str, str] | None = None) -> str:
    """``JIXIAO_TIMEZONE`` as given (the default when unset), unchecked."""
    env = os.environ if env is None else env
    return env.get("JIXIAO_TIMEZONE", "").strip() or DEFAULT_TIMEZONE


def document_settings_key(env: Mapping[str, str] | None = None) -> str:
    """The settings that change a document's bytes, as given (unchecked): part of the
    template version, so that documents printed under other settings get other names."""
    env = os.environ if env is None else env
    return f"{timezone_name(env)}\0{env.get('JIXIAO_INDICATOR_HEADINGS', '').strip()}"


def document_timezone(env: Mapping[str, str] | None = None) -> str:
    """The IANA time zone rendered documents print times in (``JIXIAO_TIMEZONE``, default
    Asia/Shanghai); ValueError naming the value when it is no time zone."""
    name = timezone_name(env)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"JIXIAO_TIMEZONE: got {name!r}, expected an IANA time zone such as Asia/Shanghai"
        ) from None
    return name


#: The heads of the three indicator columns under 分解目标 when ``JIXIAO_INDICATOR_HEADINGS``
#: names none: the national form's.
DEFAULT_INDICATOR_HEADINGS = ("一级指标", "二级指标", "三级指标")


def indicator_headings(env: Mapping[str, str] | None = None) -> tuple[str, str, str]:
    """``JIXIAO_INDICATOR_HEADINGS``: three heads separated by commas (``类别,项目,指标名称``
    for a form that heads them so), the national form's by default; ValueError naming the
    value otherwise."""
    env = os.environ if env is None else env
    raw = env.get("JIXIAO_INDICATOR_HEADINGS", "").strip()
    if not raw:
        return DEFAULT_INDICATOR_HEADINGS
    heads = [head.strip() for head in raw.replace("，", ",").split(",")]
    try:
        # Printed in every document: the text rules of typed input hold for them too.
        heads = [
            clean("JIXIAO_INDICATOR_HEADINGS", h, multiline=False, expected="a heading")
            for h in heads
        ]
    except InvalidValue as error:
        raise ValueError(str(error)) from None
    if len(heads) != 3 or not all(heads) or any(len(head) > 20 for head in heads):
        raise ValueError(
            f"JIXIAO_INDICATOR_HEADINGS: got {raw!r}, expected three heads of at most 20 "
            "characters separated by commas, such as 一级指标,二级指标,三级指标"
        )
    return heads[0], heads[1], heads[2]


def seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """The setting ``name`` of ``env`` as a number of seconds >= 0, ``default`` when unset;
    ValueError in one line naming the setting and the value otherwise."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}: got {raw!r}, expected a number of seconds") from None
    if value < 0:
        raise ValueError(f"{name}: got {raw!r}, expected a number of seconds >= 0")
    return value


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    db_url: str | None = None,
    broker_url: str | None = None,
    out_dir: str | Path | None = None,
) -> WorkerSettings:
    """Settings from arguments, else the environment (``JIXIAO_*``), else the embedded default."""
    env = os.environ if env is None else env
    db = database_url(db_url or env.get("JIXIAO_DB") or None)
    broker = broker_url or env.get("JIXIAO_BROKER") or embedded_broker_url(db)
    if not broker.startswith(("redis://", "rediss://", "sqla+")):
        raise ValueError(
            f"JIXIAO_BROKER: got {broker!r}, expected redis://HOST:PORT/DB or sqla+sqlite:///PATH"
        )
    soft_limit = seconds(env, "JIXIAO_RENDER_SOFT_LIMIT", 120.0)
    hard_limit = seconds(env, "JIXIAO_RENDER_HARD_LIMIT", max(150.0, soft_limit * 1.25))
    if hard_limit <= 0:
        raise ValueError(
            f"JIXIAO_RENDER_HARD_LIMIT: got {hard_limit:g}, expected a number of seconds > 0"
        )
    if soft_limit >= hard_limit:
        raise ValueError(
            f"JIXIAO_RENDER_SOFT_LIMIT: got {soft_limit:g}, expected less than "
            f"JIXIAO_RENDER_HARD_LIMIT ({hard_limit:g} seconds), or 0 for none"
        )
    attempts = seconds(env, "JIXIAO_RENDER_ATTEMPTS", 3)
    if attempts < 1 or attempts != int(attempts):
        raise ValueError(
            f"JIXIAO_RENDER_ATTEMPTS: got {env.get('JIXIAO_RENDER_ATTEMPTS')!r}, "
            "expected a whole number of attempts >= 1"
        )
    # Refused when the worker starts, not at its first render.
    document_timezone(env)
    indicator_headings(env)
    smtp_url = env.get("JIXIAO_SMTP", "").strip()
    if smtp_url:
        parse_smtp_url(smtp_url)  # refused now, in one line, rather than at the first reminder
    interval = seconds(env, "JIXIAO_REMINDER_INTERVAL", 3600.0)
    if interval <= 0:
        raise ValueError(
            f"JIXIAO_REMINDER_INTERVAL: got {env.get('JIXIAO_REMINDER_INTERVAL')!r}, "
            "expected a number of seconds > 0"
        )
    return WorkerSettings(
        db_url=db,
        broker_url=broker,
        out_dir=Path(out_dir or env.get("JIXIAO_OUT") or DEFAULT_OUT_DIR).absolute(),
        broker_prefix=env.get("JIXIAO_BROKER_PREFIX", ""),
        visibility_timeout=int(seconds(env, "JIXIAO_VISIBILITY_TIMEOUT", 3600)),
        redispatch_after=seconds(env, "JIXIAO_REDISPATCH_AFTER", 300.0),
        relay_interval=seconds(env, "JIXIAO_RELAY_INTERVAL", 0.1),
        render_pause=seconds(env, "JIXIAO_RENDER_PAUSE", 0.0),
        render_soft_limit=soft_limit,
        render_hard_limit=hard_limit,
        render_attempts=int(attempts),
        render_retry_backoff=seconds(env, "JIXIAO_RENDER_RETRY_BACKOFF", 60.0),
        smtp_url=smtp_url,
        reminder_interval=interval,
    )
