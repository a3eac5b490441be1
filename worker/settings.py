"""Where the worker finds its database, broker and output folder, read from the environment.

One deployment runs against PostgreSQL and Redis (``JIXIAO_DB``, ``JIXIAO_BROKER``); the
embedded default needs no server: a SQLite store, and kombu's SQLAlchemy transport on a
SQLite file beside it (docs/decisions/0301-embedded-transport.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from events.database import database_url, parse_database_url

#: The output folder used when neither an argument nor ``JIXIAO_OUT`` names one.
DEFAULT_OUT_DIR = "jixiao-output"

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
    #: revision that still has no ``ReportRendered``: longer than a normal queue wait.
    redispatch_after: float = 120.0
    #: Seconds between two passes of the relay over the outbox.
    relay_interval: float = 0.1
    #: Seconds the render task pauses after its first file: only tests set it, to kill a
    #: worker mid-render at a known point.
    render_pause: float = 0.0

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
        }

    def but(self, **changes: object) -> WorkerSettings:
        """A copy with some settings changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


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


def _number(env: Mapping[str, str], name: str, default: float) -> float:
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
    return WorkerSettings(
        db_url=db,
        broker_url=broker,
        out_dir=Path(out_dir or env.get("JIXIAO_OUT") or DEFAULT_OUT_DIR).absolute(),
        broker_prefix=env.get("JIXIAO_BROKER_PREFIX", ""),
        visibility_timeout=int(_number(env, "JIXIAO_VISIBILITY_TIMEOUT", 3600)),
        redispatch_after=_number(env, "JIXIAO_REDISPATCH_AFTER", 120.0),
        relay_interval=_number(env, "JIXIAO_RELAY_INTERVAL", 0.1),
        render_pause=_number(env, "JIXIAO_RENDER_PAUSE", 0.0),
    )
