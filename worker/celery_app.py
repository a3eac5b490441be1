"""The Celery application, configured from :mod:`worker.settings`.

``celery -A worker.celery_app worker`` starts a worker from the environment
(``JIXIAO_DB``, ``JIXIAO_BROKER``, ``JIXIAO_OUT``); :func:`make_celery` builds an app for
explicit settings (the relay publishes through one).
"""

from __future__ import annotations

import logging
import os
import signal
import time
import warnings
from functools import cache
from typing import Any

from celery import Celery
from celery.signals import beat_init, worker_init, worker_process_init
from sqlalchemy.exc import SADeprecationWarning

from worker.lifeline import die_with_parent, parent_from_environment
from worker.settings import WorkerSettings, load_settings

log = logging.getLogger(__name__)

#: The queue render tasks travel on.
RENDER_QUEUE = "jixiao.render"

#: The registered name of the render task (the relay publishes by name).
RENDER_TASK = "jixiao.render_report"

#: The registered name of the deadline-reminder pass the beat schedule runs.
REMINDERS_TASK = "jixiao.send_deadline_reminders"

#: The key under which an app carries its :class:`WorkerSettings`.
SETTINGS_KEY = "jixiao_settings"


def _transport_options(settings: WorkerSettings) -> dict[str, Any]:
    if settings.embedded:
        # kombu's SQLAlchemy models use a loader strategy SQLAlchemy 2.1 deprecates; the
        # warning is kombu's to fix and says nothing to a jixiao user.
        warnings.filterwarnings(
            "ignore", message=".*noload.*", category=SADeprecationWarning, module="kombu"
        )
        # kombu hands every option of this transport to create_engine: only engine
        # arguments belong here. SQLite waits for its lock instead of failing at once.
        return {"connect_args": {"timeout": 60}}
    options: dict[str, Any] = {
        "visibility_timeout": settings.visibility_timeout,
        # Fail a publish quickly when Redis is down: the relay retries with backoff.
        "socket_connect_timeout": 2,
    }
    if settings.broker_prefix:
        options["global_keyprefix"] = settings.broker_prefix
    return options


def declare_render_queue(settings: WorkerSettings) -> None:
    """Create the render queue on the embedded broker before a worker (and its beat) starts.

    kombu's SQLAlchemy transport adds a queue's row at its first use, behind a lock of its
    own process only, and creates its tables the same way: a worker and its beat, two
    processes, starting on a new broker file could both create them, or both insert the
    row, and the one that loses dies. Declared here first, neither does. A declare that
    loses that race to another process's is made again, and then finds the tables and the
    row. Redis needs nothing of the kind."""
    if not settings.embedded:
        return
    from sqlalchemy.exc import IntegrityError, OperationalError

    app = make_celery(settings)
    for attempt in range(3):
        try:
            with app.connection_for_write() as connection:
                connection.default_channel.queue_declare(queue=RENDER_QUEUE)
            return
        except (IntegrityError, OperationalError):
            if attempt == 2:
                raise
            time.sleep(0.05)


def make_celery(settings: WorkerSettings) -> Celery:
    """A Celery app for ``settings``: late acks, reject on worker loss, one task prefetched,
    the render time limits."""
    app = Celery(
        "jixiao",
        broker=settings.broker_url,
        backend=settings.result_backend,
        include=["worker.tasks"],
    )
    transport_options = _transport_options(settings)
    app.conf.update(
        # A task is acknowledged only when it has finished, and a worker that dies
        # mid-task gives it back: at-least-once delivery; the task is idempotent.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # A worker holds only the task it runs, so a dead worker strands at most that one.
        worker_prefetch_multiplier=1,
        task_default_queue=RENDER_QUEUE,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        # The event log records what was rendered; task results would be a second truth.
        task_ignore_result=True,
        broker_transport_options=transport_options,
        result_backend_transport_options=(
            {"global_keyprefix": settings.broker_prefix} if settings.broker_prefix else {}
        ),
        # One oversized report must not hold a pool process: past the soft limit the render
        # is interrupted (SoftTimeLimitExceeded) and records RenderFailed; past the hard
        # limit its process is killed and replaced (docs/decisions/0304).
        task_soft_time_limit=settings.render_soft_limit or None,
        task_time_limit=settings.render_hard_limit,
        # A pool process loads WeasyPrint and the CJK fonts before it says it is alive.
        worker_proc_alive_timeout=60,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=2,
        enable_utc=True,
        # Read only by a beat (`jixiao worker start --beat`, or `celery beat`): one pass of
        # deadline reminders every JIXIAO_REMINDER_INTERVAL seconds (an hour by default).
        # A pass records and mails each reminder once, so an extra pass costs nothing.
        beat_schedule={
            "deadline-reminders": {
                "task": REMINDERS_TASK,
                "schedule": settings.reminder_interval,
                "options": {"expires": settings.reminder_interval},
            }
        },
    )
    app.conf[SETTINGS_KEY] = settings
    return app


#: The pid of the Celery worker's main process, noted before it forks its pool.
_main_pid: int | None = None


@worker_init.connect
def _die_with_starter(**_: Any) -> None:
    # Started by `jixiao worker start` (or a test): a warm shutdown when it dies, however
    # it dies. A worker started by hand or by a service manager has no such parent.
    global _main_pid
    _main_pid = os.getpid()
    parent = parent_from_environment()
    if parent is not None:
        die_with_parent(signal.SIGTERM, parent=parent, watchdog=False)


@worker_process_init.connect
def _die_with_main_process(**_: Any) -> None:
    # A pool process has nothing to finish once the main process that would take its
    # result is gone: killed at once, by the kernel or by the watchdog.
    die_with_parent(signal.SIGKILL, parent=_main_pid or os.getppid())


#: How often a starting beat tries to send its first reminder pass.
START_SEND_ATTEMPTS = 5


@beat_init.connect
def _remind_at_start(sender: Any = None, **_: Any) -> None:
    # A beat waits a whole interval before its first run; a started (or restarted) beat
    # runs the reminder pass at once instead, so an outage never postpones reminders by
    # an hour. Extra passes record and send nothing new.
    app = getattr(sender, "app", None)
    if app is None:
        return
    for attempt in range(1, START_SEND_ATTEMPTS + 1):
        try:
            app.send_task(REMINDERS_TASK, ignore_result=True)
            return
        except Exception as error:
            # The embedded broker creates its queue row on first use; the worker starting
            # beside this beat may be creating it at the same moment (a unique-key clash).
            if attempt == START_SEND_ATTEMPTS:
                log.warning(
                    "first reminder pass not sent at start (%s); it runs on schedule", error
                )
                return
            time.sleep(0.2 * attempt)


def settings_of(app: Celery) -> WorkerSettings:
    """The settings an app was made with (the environment's, for a bare ``celery -A``)."""
    settings = app.conf.get(SETTINGS_KEY)
    return settings if isinstance(settings, WorkerSettings) else load_settings()


@cache
def _environment_app() -> Celery:
    return make_celery(load_settings())


def __getattr__(name: str) -> Celery:
    """``app``: the app ``celery -A worker.celery_app worker`` runs, configured from the
    environment when first asked for (so importing this module never reads settings)."""
    if name == "app":
        return _environment_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
