"""The server's settings: where the store is, how long a session lives, when sign-ins are
throttled. Read from arguments, else the environment (``JIXIAO_*``), else the defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from events.database import database_url
from web.lanes import LONG_THREADS, ON_THE_LOOP
from worker.settings import DEFAULT_OUT_DIR


@dataclass(frozen=True)
class WebSettings:
    """Everything the application needs to know at start-up."""

    db_url: str
    #: Threads that run the quick requests (pages, inboxes, commands) at once in one server
    #: process, or 0: the process's event loop runs them itself, one at a time, without
    #: the hop to a thread and back (docs/decisions/0619, 0625 and 0626). Each thread may
    #: hold a database connection, so the connection pool is sized from it. The threads of
    #: a process share one interpreter lock, and each more costs more CPU a request than it
    #: saves in waits on SQLite: for more requests at once, run more server processes
    #: (--workers).
    threads: int = ON_THE_LOOP
    #: Threads that run the long requests (a log's verification, a year's replay, an
    #: artifact's check, an import) at once in one server process, beside the quick ones
    #: (web.lanes).
    long_threads: int = LONG_THREADS
    #: A session unused for this long is over; the next request signs in again.
    session_idle: timedelta = timedelta(minutes=30)
    #: Mark cookies Secure on every response, not only on requests that arrived over HTTPS
    #: (for a TLS proxy that does not forward the scheme).
    secure_cookies: bool = False
    #: Failed sign-ins (pages and API tokens alike) allowed per user id within the window.
    max_failures_per_user: int = 5
    #: Failed sign-ins allowed per client address within the window (an office shares one).
    max_failures_per_address: int = 20
    #: The window over which failed sign-ins are counted.
    failure_window: timedelta = timedelta(minutes=15)
    #: Where the render worker writes the reports' files (``--out``, ``JIXIAO_OUT``): the
    #: pages offer them for download, found by the name their ``ReportRendered`` recorded.
    out_dir: Path = Path(DEFAULT_OUT_DIR)

    def but(self, **changes: Any) -> WebSettings:
        """A copy with some settings changed."""
        return replace(self, **changes)


def _whole(env: Mapping[str, str], name: str, default: int, expected: str, least: int = 1) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < least:
        raise ValueError(f"{name}: got {raw!r}, expected {expected}")
    return int(raw)


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise ValueError(f"{name}: got {raw!r}, expected 1 or 0 (true or false)")


def load_web_settings(env: Mapping[str, str] | None = None, *, db_url: str | None = None):
    """Settings from ``db_url``, else ``JIXIAO_DB``; the rest from ``JIXIAO_*`` variables."""
    env = os.environ if env is None else env
    minutes = "a whole number of minutes from 1"
    return WebSettings(
        db_url=database_url(db_url or env.get("JIXIAO_DB") or None),
        threads=_whole(
            env,
            "JIXIAO_WEB_THREADS",
            ON_THE_LOOP,
            "a whole number of threads from 0 (0: the event loop runs them)",
            least=0,
        ),
        long_threads=_whole(
            env, "JIXIAO_WEB_LONG_THREADS", LONG_THREADS, "a whole number of threads from 1"
        ),
        session_idle=timedelta(minutes=_whole(env, "JIXIAO_SESSION_IDLE_MINUTES", 30, minutes)),
        secure_cookies=_flag(env, "JIXIAO_SECURE_COOKIES"),
        max_failures_per_user=_whole(
            env, "JIXIAO_SIGNIN_FAILURES_PER_USER", 5, "a whole number from 1"
        ),
        max_failures_per_address=_whole(
            env, "JIXIAO_SIGNIN_FAILURES_PER_ADDRESS", 20, "a whole number from 1"
        ),
        failure_window=timedelta(minutes=_whole(env, "JIXIAO_SIGNIN_WINDOW_MINUTES", 15, minutes)),
        out_dir=Path(env.get("JIXIAO_OUT") or DEFAULT_OUT_DIR),
    )
